/**
 * What a join and a heartbeat read from the ledger on a real log: the group's items and each subscribed topic's own
 * item, never its partition heads (describeTopic reads one per partition: on DynamoDB, a 64-partition topic would
 * cost 65 reads per heartbeat of every member).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { GroupCoordinator } from "../../../lib/groups/coordinator.js";
import { createLog, type Log } from "../../../lib/log/log.js";
import { ManualClock } from "../../../lib/storage/clock.js";
import { type EmbeddedStorage, openEmbeddedStorage } from "../../../lib/storage/data-dir.js";
import type { ItemKey } from "../../../lib/storage/ledger.js";
import { type Instrumented, instrument } from "../../support/instrument.js";

let dir: string;
let storage: EmbeddedStorage;
let ledger: Instrumented<EmbeddedStorage["ledger"]>;
let log: Log;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-hb-"));
  storage = await openEmbeddedStorage(dir, { fsync: "never" });
  ledger = instrument(storage.ledger);
  log = createLog({ ledger, store: storage.store });
});
afterEach(async () => {
  await log.close();
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

const headReads = (from: number) =>
  ledger.calls.slice(from).filter((c) => c.method === "get" && (c.args[0] as ItemKey).sk === "head").length;

it("joins and heartbeats read no partition heads, whatever the partition count", async () => {
  await log.createTopic("wide", 64);
  const clock = new ManualClock();
  const groups = new GroupCoordinator({ ledger, topics: log, clock });
  const start = ledger.calls.length;
  const joined = await groups.join("g", { topics: ["wide"], sessionTimeoutMs: 30_000 });
  expect(joined.assignments).toHaveLength(64);
  clock.advance(1_000);
  const before = ledger.calls.length;
  await groups.heartbeat("g", joined.memberId, { memberEpoch: joined.memberEpoch, owned: joined.assignments });
  const heartbeatGets = ledger.calls.slice(before).filter((c) => c.method === "get" || c.method === "query");
  expect(headReads(start)).toBe(0);
  expect(heartbeatGets.length).toBeLessThanOrEqual(3);
});

it("a commit reads the heads of the partitions it commits, not the whole topic's", async () => {
  await log.createTopic("wide", 64);
  await log.produce("wide", [{ key: null, value: new Uint8Array(1), partition: 3 }]);
  const groups = new GroupCoordinator({ ledger, topics: log, clock: new ManualClock() });
  const before = ledger.calls.length;
  await groups.commitOffsets("standalone", {
    offsets: [
      { topic: "wide", partition: 3, offset: 1 },
      { topic: "wide", partition: 7, offset: 0 },
    ],
  });
  expect(headReads(before)).toBe(2);
  const err = await groups
    .commitOffsets("standalone", { offsets: [{ topic: "wide", partition: 3, offset: 2 }] })
    .catch((e: unknown) => e);
  expect((err as { code?: string }).code).toBe("INVALID_ARGUMENT"); // beyond the high watermark
  const missing = await groups
    .commitOffsets("standalone", { offsets: [{ topic: "wide", partition: 64, offset: 0 }] })
    .catch((e: unknown) => e);
  expect((missing as { code?: string }).code).toBe("PARTITION_NOT_FOUND");
});
