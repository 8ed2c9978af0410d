/**
 * PackObjectStore beyond the conformance suite: the order of syncs, group commit, recovery from a torn tail, a
 * lost index suffix (what a power cut can take from SQLite at synchronous=NORMAL) or a lost index, a failed
 * fdatasync, space reclamation, and kill -9 of a writing process.
 */
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { osSync, type SyncHooks } from "../../../lib/storage/fsync.js";
import { INDEX_FILE, PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import { fillableDisk } from "../../support/full-disk.js";
import { bodyOf } from "./pack-writer.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "strata-packs-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const packs = async () => (await readdir(root)).filter((n) => n.endsWith(".pack")).sort();
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function expectAll(store: PackObjectStore, keys: number[]): Promise<void> {
  for (const n of keys) expect(same(await store.get(`k${n}`), bodyOf(n)), `k${n}`).toBe(true);
}

/** Edits the index behind the store's back (the store is closed), as a power cut or a lost file would. */
function withIndex(fn: (db: Database.Database) => void): void {
  const db = new Database(join(root, INDEX_FILE));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

describe("durability order", () => {
  it("resolves a put only after a file sync that started after its write, and syncs a new pack's directory first", async () => {
    const events: string[] = [];
    const sync: SyncHooks = {
      file: async (h) => {
        events.push("sync file");
        await osSync.file(h);
      },
      dir: async (p) => {
        events.push("sync dir");
        await osSync.dir(p);
      },
    };
    const store = await PackObjectStore.open({ root, sync });
    await store.put("k1", bodyOf(1));
    events.push("resolved");
    expect(events).toEqual(["sync dir", "sync file", "resolved"]);
    events.length = 0;
    await store.put("k2", bodyOf(2));
    events.push("resolved");
    expect(events).toEqual(["sync file", "resolved"]);
    await store.close();
  });

  it("shares one fdatasync among puts in flight together (group commit)", async () => {
    let syncs = 0;
    const store = await PackObjectStore.open({
      root,
      sync: {
        file: (h) => {
          syncs++;
          return osSync.file(h);
        },
        dir: osSync.dir,
      },
    });
    const keys = Array.from({ length: 16 }, (_, i) => i);
    await Promise.all(keys.map((n) => store.put(`k${n}`, bodyOf(n))));
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThan(16);
    await expectAll(store, keys);
    await store.close();
  });

  it("writes nothing durable with fsync never, and still reads back", async () => {
    let syncs = 0;
    const store = await PackObjectStore.open({
      root,
      fsync: "never",
      sync: { file: async () => void syncs++, dir: async () => void syncs++ },
    });
    await store.put("k1", bodyOf(1));
    await expectAll(store, [1]);
    expect(syncs).toBe(0);
    await store.close();
  });
});

describe("recovery on open", () => {
  it("keeps every object and every delete across a clean reopen", async () => {
    let store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    for (let n = 0; n < 20; n++) await store.put(`k${n}`, bodyOf(n));
    await store.delete("k3");
    await store.close();
    store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    await expectAll(store, [0, 1, 2, 4, 19]);
    await expect(store.get("k3")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    expect((await store.list("k")).objects).toHaveLength(19);
    await store.close();
  });

  it("re-indexes puts whose index rows a power cut took, without bringing back a delete", async () => {
    let store = await PackObjectStore.open({ root });
    for (let n = 0; n < 6; n++) await store.put(`k${n}`, bodyOf(n));
    await store.delete("k0");
    await store.close();
    // a lost WAL suffix: the last puts' rows and the watermark they moved are gone (the delete was FULL, so the
    // rows before it survive; here the puts after it are lost)
    withIndex((db) => {
      const rows = db.prepare("SELECT key, data, len FROM objects WHERE key IN ('k1') ").all() as {
        data: number;
        len: number;
      }[];
      db.prepare("DELETE FROM objects WHERE key IN ('k2', 'k3', 'k4', 'k5')").run();
      db.prepare("UPDATE packs SET indexed_end = ?").run(rows[0]!.data + rows[0]!.len);
    });
    store = await PackObjectStore.open({ root });
    await expectAll(store, [1, 2, 3, 4, 5]);
    await expect(store.get("k0")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await store.close();
  });

  it("rebuilds the whole index from the packs when the index file is lost", async () => {
    let store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    for (let n = 0; n < 12; n++) await store.put(`k${n}`, bodyOf(n));
    await store.close();
    for (const f of await readdir(root)) if (f.startsWith(INDEX_FILE)) await rm(join(root, f));
    store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    await expectAll(
      store,
      Array.from({ length: 12 }, (_, i) => i),
    );
    await store.close();
  });

  it("cuts a torn tail (garbage, a half-written header, a header without its data) and appends after it", async () => {
    let store = await PackObjectStore.open({ root });
    await store.put("k1", bodyOf(1));
    await store.close();
    const [pack] = await packs();
    const path = join(root, pack!);
    const good = (await stat(path)).size;
    // a complete record header for k9 whose data never reached the disk, then garbage
    const probe = await PackObjectStore.open({ root: join(root, "probe") });
    await probe.put("k9", bodyOf(9));
    await probe.close();
    const [probePack] = (await readdir(join(root, "probe"))).filter((n) => n.endsWith(".pack"));
    const whole = await readFile(join(root, "probe", probePack!));
    await appendFile(path, whole.subarray(0, 100));
    await appendFile(path, new Uint8Array(50).fill(0xab));
    store = await PackObjectStore.open({ root });
    expect((await stat(path)).size).toBe(good);
    await expectAll(store, [1]);
    await expect(store.get("k9")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await store.put("k2", bodyOf(2));
    await store.close();
    store = await PackObjectStore.open({ root });
    await expectAll(store, [1, 2]);
    await store.close();
  });

  it("checksums the data of an overwrite only (also of one racing the first put), and keeps a whole one on rebuild", async () => {
    const store = await PackObjectStore.open({ root });
    await store.put("new", bodyOf(1));
    await store.put("over", bodyOf(2));
    await store.put("over", bodyOf(3)); // indexed before: an overwrite
    await Promise.all([store.put("race", bodyOf(4)), store.put("race", bodyOf(5))]); // the second races the first
    await store.delete("new");
    await store.put("new", bodyOf(6)); // deleted before: nothing to protect, no checksum
    await store.close();
    const [pack] = await packs();
    const bytes = await readFile(join(root, pack!));
    const flags: [string, number][] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const keyLength = bytes.readUInt16LE(pos + 10);
      flags.push([bytes.subarray(pos + 28, pos + 28 + keyLength).toString(), bytes[pos + 9]!]);
      pos += 28 + keyLength + bytes.readUInt32LE(pos + 12);
    }
    expect(flags).toEqual([
      ["new", 0],
      ["over", 0],
      ["over", 1],
      ["race", 0],
      ["race", 1],
      ["new", 0],
    ]);
    // rebuilt from the packs, every checksum is verified and holds: the newest value of each key wins
    for (const f of await readdir(root)) if (f.startsWith(INDEX_FILE)) await rm(join(root, f));
    const rebuilt = await PackObjectStore.open({ root });
    expect(same(await rebuilt.get("over"), bodyOf(3))).toBe(true);
    expect(same(await rebuilt.get("race"), bodyOf(5))).toBe(true);
    expect(same(await rebuilt.get("new"), bodyOf(6))).toBe(true);
    await rebuilt.close();
  });

  it("lets one process at a time open the directory", async () => {
    const store = await PackObjectStore.open({ root });
    const err = await PackObjectStore.open({ root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).code).toBe("DATA_DIR_LOCKED");
    await store.close();
  });
});

describe("pack rollover", () => {
  it("keeps puts in flight across many rollovers (no handle closes under a pending write or sync)", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 8 * 1024 });
    const keys = Array.from({ length: 120 }, (_, i) => i);
    await Promise.all(keys.map((n) => store.put(`k${n}`, bodyOf(n).subarray(0, 3000 + (n % 7) * 100))));
    for (const n of keys) {
      expect(same(await store.get(`k${n}`), bodyOf(n).subarray(0, 3000 + (n % 7) * 100))).toBe(true);
    }
    expect((await packs()).length).toBeGreaterThan(20);
    await store.close();
  });

  it("creates the next pack once the current one is half full, so a rollover waits for no file creation", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 1000 });
    await store.put("a", new Uint8Array(600).fill(1)); // past half
    await new Promise((r) => setTimeout(r, 20));
    expect(await packs()).toEqual(["0000000001.pack", "0000000002.pack"]); // the spare, empty
    expect((await stat(join(root, "0000000002.pack"))).size).toBe(0);
    await store.put("b", new Uint8Array(600).fill(2)); // does not fit: goes to the spare
    expect((await stat(join(root, "0000000002.pack"))).size).toBeGreaterThan(600);
    expect(same(await store.get("b"), new Uint8Array(600).fill(2))).toBe(true);
    await store.close();
    // an unused spare left by a close (or a crash) is an empty pack: the next open removes it
    const re = await PackObjectStore.open({ root, packBytes: 1000 });
    expect(await packs()).toEqual(["0000000001.pack", "0000000002.pack"]);
    await re.close();
  });

  it("does not remove a retired pack while its last put is still being synced and indexed", async () => {
    let gate: (() => void) | undefined;
    const gated = new Promise<void>((resolve) => {
      gate = resolve;
    });
    let first = true;
    const store = await PackObjectStore.open({
      root,
      packBytes: 1024,
      sync: {
        file: async (h) => {
          if (first) {
            first = false;
            await gated; // a slow fdatasync for the first put
          }
          await osSync.file(h);
        },
        dir: osSync.dir,
      },
    });
    const a = store.put("a", new Uint8Array(2000).fill(1));
    await new Promise((r) => setTimeout(r, 20));
    await store.put("b", new Uint8Array(2000).fill(2)); // rolls over: a's pack is retired with a in flight
    gate!();
    await a;
    await new Promise((r) => setTimeout(r, 50)); // the retired pack's release runs
    expect(same(await store.get("a"), new Uint8Array(2000).fill(1))).toBe(true);
    expect(await packs()).toContain("0000000001.pack"); // a's, retired
    await store.close();
  });

  it("never reuses the id of a removed pack", async () => {
    let store = await PackObjectStore.open({ root, packBytes: 1024 });
    await store.put("a", new Uint8Array(2000));
    await store.put("b", new Uint8Array(2000)); // a's pack is retired
    const [first, second] = await packs();
    await store.delete("b"); // the current pack: stays
    await store.close();
    store = await PackObjectStore.open({ root, packBytes: 1024 });
    // on open every pack is retired: b's emptied pack (the newest id) goes
    expect(await packs()).toEqual([first]);
    await store.put("c", new Uint8Array(10));
    expect((await packs()).includes(second!)).toBe(false);
    await store.close();
  });

  it("refuses keys it could not store as given", async () => {
    const store = await PackObjectStore.open({ root });
    for (const bad of ["", "a\0b", "x".repeat(1025), "\ud800"]) {
      await expect(store.put(bad, new Uint8Array(1)), JSON.stringify(bad)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
    await store.put("é".repeat(512), new Uint8Array(1)); // 1024 bytes of UTF-8: the limit
    expect((await store.list("é")).objects).toHaveLength(1);
    await store.close();
  });
});

describe("a failed fdatasync", () => {
  it("fails the put, acknowledges nothing more from that pack, and moves on to a new pack", async () => {
    let failNext = false;
    const store = await PackObjectStore.open({
      root,
      sync: {
        file: async (h) => {
          if (failNext) {
            failNext = false;
            throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
          }
          await osSync.file(h);
        },
        dir: osSync.dir,
      },
    });
    await store.put("k1", bodyOf(1));
    failNext = true;
    await expect(store.put("k2", bodyOf(2))).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await store.put("k3", bodyOf(3));
    expect(await packs()).toHaveLength(2);
    await expect(store.get("k2")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await store.close();
    const reopened = await PackObjectStore.open({ root });
    await expectAll(reopened, [1, 3]);
    await reopened.close();
  });
});

describe("a full disk", () => {
  it("refuses puts as INSUFFICIENT_STORAGE without leaving a pack file per failure, and takes puts once space is freed", async () => {
    const disk = fillableDisk();
    const store = await PackObjectStore.open({ root, sync: disk.sync });
    await store.put("k1", bodyOf(1));
    disk.full = true;
    for (let n = 2; n < 40; n++) {
      await expect(store.put(`k${n}`, bodyOf(n)), `k${n}`).rejects.toMatchObject({
        code: "INSUFFICIENT_STORAGE",
        retriable: false,
      });
    }
    // the pack holding k1 and at most one new one, whatever the number of failures
    expect((await packs()).length).toBeLessThanOrEqual(2);
    disk.full = false;
    await store.put("k40", bodyOf(40));
    await expectAll(store, [1, 40]);
    await expect(store.get("k2")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await store.close();
    const reopened = await PackObjectStore.open({ root });
    await expectAll(reopened, [1, 40]);
    expect((await packs()).length).toBeLessThanOrEqual(2);
    await reopened.close();
  });

  it("names a quota exceeded (EDQUOT) and a full index (SQLITE_FULL) the same way", async () => {
    const { unavailable } = await import("../../../lib/storage/file-io.js");
    for (const code of ["ENOSPC", "EDQUOT", "SQLITE_FULL"]) {
      const e = unavailable(Object.assign(new Error(code), { code }), "put", "k");
      expect(e, code).toMatchObject({ code: "INSUFFICIENT_STORAGE", retriable: false });
    }
    expect(unavailable(Object.assign(new Error("EIO"), { code: "EIO" }), "put", "k").code).toBe("UNAVAILABLE");
  });
});

describe("space", () => {
  it("removes a pack once its last object is deleted", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 40 * 1024 });
    for (let n = 0; n < 8; n++) await store.put(`k${n}`, bodyOf(n));
    const before = await packs();
    expect(before.length).toBeGreaterThan(2);
    // every object of the first pack
    for (let n = 0; n < 8; n++) {
      await store.delete(`k${n}`);
      if (!(await packs()).includes(before[0]!)) break;
    }
    expect(await packs()).not.toContain(before[0]);
    await store.close();
  });

  it("moves the live objects out of a mostly dead pack; a delete of a moved object sticks; a lost index is rebuilt", async () => {
    const small = 2_000;
    let store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    const body = (n: number) => new Uint8Array(small).fill(n);
    for (let n = 0; n < 60; n++) await store.put(`s${String(n).padStart(2, "0")}`, body(n));
    const [first] = await packs();
    // keep s00 and s01 of the first pack, delete the rest of it: below half live, it is rewritten
    for (let n = 2; n < 30; n++) await store.delete(`s${String(n).padStart(2, "0")}`);
    expect(await packs()).not.toContain(first);
    expect(same(await store.get("s00"), body(0))).toBe(true);
    expect(same(await store.get("s01"), body(1))).toBe(true);
    await store.delete("s00");
    await store.close();
    store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    await expect(store.get("s00")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    expect(same(await store.get("s01"), body(1))).toBe(true);
    await store.close();
    // Losing the index altogether: the rebuild finds s01 by its move record (its first pack is gone). Deletes
    // leave nothing in the packs, so a rebuild brings deleted objects back (documented in docs/FORMAT.md).
    for (const f of await readdir(root)) if (f.startsWith(INDEX_FILE)) await rm(join(root, f));
    store = await PackObjectStore.open({ root, packBytes: 64 * 1024 });
    expect(same(await store.get("s01"), body(1))).toBe(true);
    for (let n = 30; n < 60; n++) expect(same(await store.get(`s${n}`), body(n))).toBe(true);
    await store.close();
  });
});

describe("kill -9", () => {
  it("keeps every acknowledged put of a process killed while writing", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "pack-writer.ts"), root], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const acked: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on("line", (line) => {
        acked.push(Number(line.slice(1)));
        if (acked.length === 300) child.kill("SIGKILL");
      });
      child.once("exit", () => resolve());
      child.once("error", reject);
    });
    expect(acked.length).toBeGreaterThanOrEqual(300);
    const store = await PackObjectStore.open({ root, packBytes: 256 * 1024 });
    await expectAll(store, acked);
    // and the store takes new writes after the crash
    await store.put("after", bodyOf(1));
    expect(same(await store.get("after"), bodyOf(1))).toBe(true);
    await store.close();
  }, 60_000);
});
