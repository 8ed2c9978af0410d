/**
 * A second process for the lock tests (spawned by sqlite-lock.test.ts, not a test itself).
 * argv: <data dir> <"hold" | "try">. Opens the embedded storage and prints one line:
 *   "LOCKED"             it owns the directory ("hold": wrote an item first, then waits to be killed)
 *   "ERROR <code> <msg>" opening failed
 */
import { StrataError } from "../../../lib/errors.js";
import { openEmbeddedStorage } from "../../../lib/storage/data-dir.js";

const [dir, mode] = process.argv.slice(2);

try {
  const storage = await openEmbeddedStorage(dir as string);
  await storage.ledger.write({
    type: "put",
    key: { pk: "holder", sk: String(process.pid) },
    attrs: { pid: process.pid },
  });
  process.stdout.write("LOCKED\n");
  if (mode === "hold") setInterval(() => {}, 60_000);
  else await storage.close();
} catch (e) {
  const code = e instanceof StrataError ? e.code : "UNKNOWN";
  process.stdout.write(`ERROR ${code} ${(e as Error).message}\n`);
  process.exitCode = 3;
}
