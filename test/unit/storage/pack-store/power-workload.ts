/**
 * Power-cut images harsher than crash-workload.ts takes: at every file AND directory sync, each pack
 * file is cut back to the length its last completed fdatasync covered (what a power cut may leave of unsynced
 * appends), and the index is the one as of its last durable point (the end of a FULL commit or of a
 * wal_checkpoint(FULL)). The workload churns small packs so deletes keep reclaiming (move records, removals).
 */
import { cpSync, readdirSync, readlinkSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { osSync, type SyncHooks } from "../../../../lib/storage/fsync.js";
import { INDEX_FILE, PackObjectStore } from "../../../../lib/storage/pack-object-store.js";
import { type CrashImage, churn, prng } from "./crash-workload.js";
import { removeRoot, tempRoot } from "./files.js";

function copyIndex(from: string, to: string): void {
  for (const n of readdirSync(from)) if (n.startsWith(INDEX_FILE)) cpSync(join(from, n), join(to, n));
}

export async function runPowerWorkload(options: { seed: number; ops: number; packBytes: number }) {
  const root = tempRoot();
  const temp: string[] = [root];
  const random = prng(options.seed);
  const present = new Map<string, Uint8Array>();
  const gone = new Set<string>();
  const bodies = new Map<string, Uint8Array>();
  const images: CrashImage[] = [];
  /** pack file name -> bytes covered by its last completed fdatasync */
  const synced = new Map<string, number>();
  let barriers = 0;
  let durableIndex = tempRoot();
  temp.push(durableIndex);
  const image = () => {
    const dir = tempRoot();
    temp.push(dir);
    for (const n of readdirSync(root)) {
      if (!n.endsWith(".pack")) continue;
      cpSync(join(root, n), join(dir, n));
      truncateSync(join(dir, n), synced.get(n) ?? 0);
    }
    copyIndex(durableIndex, dir);
    images.push({ dir, present: new Map(present), gone: new Set(gone) });
  };
  const sync: SyncHooks = {
    file: async (handle) => {
      image();
      const name = readlinkSync(`/proc/self/fd/${handle.fd}`).split("/").pop()!;
      const size = (await handle.stat()).size;
      await osSync.file(handle);
      synced.set(name, Math.max(synced.get(name) ?? 0, size));
    },
    dir: async (path) => {
      image();
      await osSync.dir(path);
    },
  };
  const store = await PackObjectStore.open({ root, packBytes: options.packBytes, sync });
  copyIndex(root, durableIndex);
  const db = (store as unknown as { db: { pragma: (s: string) => unknown } }).db;
  const pragma = db.pragma.bind(db);
  db.pragma = (s: string) => {
    const out = pragma(s);
    if (s === "wal_checkpoint(FULL)") barriers++;
    if (s === "synchronous = NORMAL" || s === "wal_checkpoint(FULL)") {
      durableIndex = tempRoot();
      temp.push(durableIndex);
      copyIndex(root, durableIndex);
    }
    return out;
  };
  await churn(
    store,
    random,
    { ops: options.ops, maxSize: options.packBytes * 0.3, deleteShare: 0.45, maxWidth: 3 },
    {
      present,
      gone,
      bodies,
    },
  );
  await store.close();
  // barriers: reclaims that got as far as making their moves durable
  return { images, bodies, barriers, cleanup: async () => void (await Promise.all(temp.map(removeRoot))) };
}
