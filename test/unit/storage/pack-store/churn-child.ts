/**
 * A child process for the kill -9 test in pack-object-store-churn.test.ts: runs a put/delete churn against a
 * PackObjectStore (small packs, so deletes keep reclaiming) and reports on stdout, one line each:
 *   P <key>  the put of <key> resolved      I <key>  the delete of <key> was issued      D <key>  it resolved
 * Writes to a pipe are synchronous on Linux, so every line printed before the kill reaches the parent.
 * Usage: node --import tsx churn-child.ts <root> <prefix> <seed>
 */
import { PackObjectStore } from "../../../../lib/storage/pack-object-store.js";
import { prng } from "./crash-workload.js";
import { bodyOf } from "./files.js";

const [root, prefix, seedText] = process.argv.slice(2) as [string, string, string];
const random = prng(Number(seedText));
const store = await PackObjectStore.open({ root, packBytes: 16 * 1024 });
const live: string[] = [];
const say = (line: string): void => void process.stdout.write(`${line}\n`);
say("READY");
for (let n = 0; ; ) {
  const ops: Promise<void>[] = [];
  for (let i = 0; i < 4; i++) {
    if (live.length > 4 && random() < 0.5) {
      const key = live.splice(Math.floor(random() * live.length), 1)[0]!;
      say(`I ${key}`);
      ops.push(store.delete(key).then(() => say(`D ${key}`)));
    } else {
      const key = `${prefix}/${String(n).padStart(5, "0")}`;
      const body = bodyOf(Number(seedText) * 100_000 + n++, 500 + Math.floor(random() * 2500));
      ops.push(
        store.put(key, body).then(() => {
          live.push(key);
          say(`P ${key} ${body.length}`);
        }),
      );
    }
  }
  await Promise.all(ops);
}
