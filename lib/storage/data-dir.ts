/**
 * The embedded backend's data directory:
 *
 *   <dir>/ledger.sqlite   the Ledger (SQLite, WAL; holds the directory's exclusive lock)
 *   <dir>/objects/...     the ObjectStore, one file per key
 *
 * One process per data directory: the ledger is opened first, so a second process fails with
 * DATA_DIR_LOCKED before it touches any object.
 *
 * @example
 * const storage = await openEmbeddedStorage("./data", { fsync: "always" });
 * try {
 *   await storage.store.put("k", bytes);
 * } finally {
 *   await storage.close();
 * }
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { FsObjectStore } from "./fs-object-store.js";
import { type FsyncPolicy, osSync } from "./fsync.js";
import { SqliteLedger } from "./sqlite-ledger.js";

export type { FsyncPolicy } from "./fsync.js";

export interface EmbeddedStorage {
  store: FsObjectStore;
  ledger: SqliteLedger;
  /** closes both and releases the directory's lock */
  close(): Promise<void>;
}

export const LEDGER_FILE = "ledger.sqlite";
export const OBJECTS_DIR = "objects";

export async function openEmbeddedStorage(
  dir: string,
  options: { fsync?: FsyncPolicy } = {},
): Promise<EmbeddedStorage> {
  const fsync = options.fsync ?? "always";
  await mkdir(dir, { recursive: true });
  // the lock first: nothing below may run while another process owns the directory
  const ledger = new SqliteLedger({ path: join(dir, LEDGER_FILE), fsync });
  try {
    const root = join(dir, OBJECTS_DIR);
    await mkdir(root, { recursive: true });
    // the objects directory's own entry: the store syncs everything below it
    if (fsync === "always") await osSync.dir(dir);
    const store = new FsObjectStore({ root, fsync });
    return {
      store,
      ledger,
      async close() {
        await store.close();
        await ledger.close();
      },
    };
  } catch (e) {
    await ledger.close();
    throw e;
  }
}
