/**
 * The embedded backend's data directory:
 *
 *   <dir>/ledger.sqlite   the Ledger (SQLite, WAL; holds the directory's exclusive lock)
 *   <dir>/packs/...       the ObjectStore: append-only pack files and their index (see pack-object-store.ts)
 *
 * A directory written by an earlier Strata keeps objects one file per key under <dir>/objects/. Opening it
 * moves them into packs (each one put durably, then its file deleted; safe to interrupt and repeat) and removes
 * the emptied directory.
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
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { FsObjectStore } from "./fs-object-store.js";
import { type FsyncPolicy, osSync } from "./fsync.js";
import { PackObjectStore } from "./pack-object-store.js";
import { SqliteLedger } from "./sqlite-ledger.js";

export type { FsyncPolicy } from "./fsync.js";

export interface EmbeddedStorage {
  store: PackObjectStore;
  ledger: SqliteLedger;
  /** the backend's own upkeep after a maintenance pass: SQLite has no TTL of its own, so expired items go here */
  chores(now: number): Promise<void>;
  /** closes both and releases the directory's lock */
  close(): Promise<void>;
}

export const LEDGER_FILE = "ledger.sqlite";
export const PACKS_DIR = "packs";
/** where an earlier Strata kept one file per object */
export const LEGACY_OBJECTS_DIR = "objects";

export async function openEmbeddedStorage(
  dir: string,
  options: { fsync?: FsyncPolicy } = {},
): Promise<EmbeddedStorage> {
  const fsync = options.fsync ?? "always";
  await mkdir(dir, { recursive: true });
  // the lock first: nothing below may run while another process owns the directory
  const ledger = new SqliteLedger({ path: join(dir, LEDGER_FILE), fsync });
  try {
    const root = join(dir, PACKS_DIR);
    await mkdir(root, { recursive: true });
    // the packs directory's own entry: the store syncs everything below it
    if (fsync === "always") await osSync.dir(dir);
    const store = await PackObjectStore.open({ root, fsync });
    try {
      await migrateLegacyObjects(join(dir, LEGACY_OBJECTS_DIR), store, fsync);
    } catch (e) {
      await store.close();
      throw e;
    }
    return {
      store,
      ledger,
      async chores(now) {
        await ledger.expire(now / 1000);
      },
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

/** Moves one-file-per-key objects into the pack store: every object is durable in a pack before its file goes. */
async function migrateLegacyObjects(root: string, store: PackObjectStore, fsync: FsyncPolicy): Promise<void> {
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) return;
  const legacy = new FsObjectStore({ root, fsync });
  for (;;) {
    const page = await legacy.list("", { limit: 1000 });
    for (const { key } of page.objects) {
      await store.put(key, await legacy.get(key));
      await legacy.delete(key);
    }
    if (page.next === undefined) break;
  }
  await rm(root, { recursive: true, force: true });
}
