/**
 * A consumer-group member as its own process, for the kill test (test/client/consumer.test.ts). It writes one line
 * per event with a synchronous write, so nothing it reports is lost when it is killed with SIGKILL:
 *   A p,p,...          partitions assigned          R p,p,...   revoked
 *   P partition offset value                        a record handed to the handler (it counts as processed)
 *   c p:o,p:o          a commit about to be sent    C p:o,p:o   a commit the server accepted
 * SIGTERM closes the consumer gracefully (commit, leave) and exits.
 */
import { writeSync } from "node:fs";
import { Strata } from "../../client/src/index.js";

const [url, group, topic] = process.argv.slice(2) as [string, string, string];
const line = (s: string): void => {
  writeSync(1, `${s}\n`);
};
const strata = new Strata({ url });
const consumer = strata.consumer({
  groupId: group,
  // long enough that a member stalled by a loaded machine keeps its lease: the kill test counts duplicates exactly
  sessionTimeoutMs: 6000,
  autoCommitIntervalMs: 150,
  autoOffsetReset: "earliest",
  maxWaitMs: 200,
  onAssigned: (tps) => line(`A ${tps.map((t) => t.partition).join(",")}`),
  onRevoked: (tps) => line(`R ${tps.map((t) => t.partition).join(",")}`),
  onCommitting: (offsets) => line(`c ${offsets.map((o) => `${o.partition}:${o.offset}`).join(",")}`),
  onCommit: (offsets) => line(`C ${offsets.map((o) => `${o.partition}:${o.offset}`).join(",")}`),
});
consumer.subscribe({ topics: [topic] });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    line(`P ${partition} ${message.offset} ${message.value?.toString()}`);
    await new Promise((r) => setTimeout(r, 4));
  },
});
process.once("SIGTERM", async () => {
  await consumer.close();
  line("X");
  process.exit(0);
});
