/**
 * Helpers for the PackObjectStore tests (test/unit/storage/pack-object-store-*.test.ts): temp
 * directories, deterministic bodies, pack-file inspection and crash snapshots (a copy of the directory taken at a
 * chosen moment is what a kill -9 at that moment leaves behind: every write the process issued is in the page
 * cache, so in the copy).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { osSync, type SyncHooks } from "../../../../lib/storage/fsync.js";
import { INDEX_FILE } from "../../../../lib/storage/pack-object-store.js";

export const tempRoot = (): string => mkdtempSync(join(tmpdir(), "strata-pack-store-"));
export const removeRoot = (root: string) => rm(root, { recursive: true, force: true });

/** n distinct bytes per key, derived from a seed, so a wrong or shifted read shows. */
export function bodyOf(seed: number, length: number): Uint8Array {
  const body = new Uint8Array(length);
  for (let i = 0; i < length; i++) body[i] = (seed * 131 + i * 31 + (i >> 8)) & 255;
  return body;
}

export const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export async function packFiles(root: string): Promise<string[]> {
  return (await readdir(root)).filter((n) => n.endsWith(".pack")).sort();
}

export function packBytesOnDisk(root: string): number {
  let total = 0;
  for (const n of readdirSync(root)) if (n.endsWith(".pack")) total += statSync(join(root, n)).size;
  return total;
}

/** A crash image: the directory as a process killed right now would leave it. */
export function snapshot(root: string): string {
  const copy = tempRoot();
  for (const n of readdirSync(root)) cpSync(join(root, n), join(copy, n), { recursive: true });
  return copy;
}

/** Reads or edits a closed store's index, as a power cut (a lost WAL suffix) or an operator would. */
export function withIndex<T>(root: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(root, INDEX_FILE));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface IndexRow {
  key: string;
  pack: number;
  pos: number;
  data: number;
  len: number;
}

export const rowsOf = (root: string): IndexRow[] =>
  withIndex(root, (db) => db.prepare("SELECT key, pack, pos, data, len FROM objects ORDER BY key").all() as IndexRow[]);

export const packName = (id: number) => `${String(id).padStart(10, "0")}.pack`;

export const readPackFile = (root: string, id: number): Buffer => readFileSync(join(root, packName(id)));

/** Sync hooks that call the OS and let a test act just before a file sync (to snapshot, delay or fail it). */
export function hookedSync(before: (handle: Parameters<SyncHooks["file"]>[0]) => void | Promise<void>): SyncHooks {
  return {
    file: async (handle) => {
      // no await unless the hook is async: the real sync must start in the same tick, as osSync's does
      const pending = before(handle);
      if (pending) await pending;
      await osSync.file(handle);
    },
    dir: osSync.dir,
  };
}

export const eio = () => Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });

export interface PackRecord {
  pos: number;
  kind: "put" | "move";
  key: string;
  dataLength: number;
  fromPack: number;
  fromPos: number;
}

/** The records of a pack file, per the layout in pack-object-store.ts (no CRC check: tests read their own). */
export function recordsOf(bytes: Uint8Array): PackRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PackRecord[] = [];
  let pos = 0;
  while (pos + 28 <= bytes.length && view.getUint32(pos + 4, true) === 0x4b505453) {
    const keyLength = view.getUint16(pos + 10, true);
    const dataLength = view.getUint32(pos + 12, true);
    out.push({
      pos,
      kind: view.getUint8(pos + 8) === 1 ? "put" : "move",
      key: Buffer.from(bytes.subarray(pos + 28, pos + 28 + keyLength)).toString("utf8"),
      dataLength,
      fromPack: view.getUint32(pos + 16, true),
      fromPos: view.getFloat64(pos + 20, true),
    });
    pos += 28 + keyLength + dataLength;
  }
  return out;
}
