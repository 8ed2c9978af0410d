/**
 * A second hostile review of two recent changes: PackObjectStore (after the first review's fixes) and the binary
 * produce path (planBatches / checkBatchesDeeply / Log.produceBatches / putChecked).
 *
 * Tests written `it.fails` reproduce a bug that is still open: they pass while the bug is there and start failing
 * once it is fixed (then drop `.fails`). Root causes, in the order of the describes below:
 * - rollover window: packFor clears `opening` a few microtasks before `active` points at the new pack, so a put
 *   starting in between reserves space in the pack just retired (and already released): "file closed", not
 *   retriable.
 * - torn overwrite: data has no checksum, so after a power cut an unacknowledged put whose header reached the disk
 *   and whose data did not is indexed on open; for an overwritten key it replaces the acknowledged value.
 *   (Fixed later: an overwrite carries a CRC-32C of its data, checked on open.)
 * - buffer mutated while a produce is pending: validation and the store read the caller's bytes at different
 *   times, so a batch that passed its checks can be stored with different bytes (and a CRC that fails on fetch).
 * - producer fields: with an explicit producer, only the header's producerId is compared; its epoch and sequence
 *   (and a header that names no producer at all) are stored as sent while the commit uses others.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { crc32c } from "../../../lib/format/crc32c.js";
import { BATCH_CRC_START, encodeRecordBatch } from "../../../lib/format/record-batch.js";
import { Compression, type CompressionCodec } from "../../../lib/format/types.js";
import { createLog, type Log } from "../../../lib/log/log.js";
import { type EmbeddedStorage, openEmbeddedStorage } from "../../../lib/storage/data-dir.js";
import type { ObjectStore } from "../../../lib/storage/object-store.js";
import { PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import { codeOf } from "../../support/scratch-ledger.js";
import { checkImage, concurrentOps, prng } from "./pack-store/crash-workload.js";
import {
  bodyOf,
  hookedSync,
  packFiles,
  packName,
  recordsOf,
  removeRoot,
  same,
  snapshot,
  tempRoot,
} from "./pack-store/files.js";
import { runPowerWorkload } from "./pack-store/power-workload.js";

interface StoreInternals {
  openPacks: Map<number, unknown>;
  settling: Map<number, boolean>;
  active?: { id: number };
  /** the next pack, created ahead of the rollover */
  spare?: Promise<{ id: number } | undefined>;
  openPack(previous: unknown): Promise<unknown>;
  db: { prepare(sql: string): { all(): unknown[] } };
}
const internals = (s: PackObjectStore) => s as unknown as StoreInternals;

const fdsUnder = (dir: string) =>
  readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((p) => p.startsWith(dir));

describe("PackObjectStore", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
  });
  afterEach(async () => {
    await removeRoot(root);
  });

  it("after concurrent churn on tiny packs: one open pack, nothing settling, every other pack at least half live", async () => {
    const random = prng(4);
    const store = await PackObjectStore.open({ root, packBytes: 600 });
    const model = new Map<string, Uint8Array>();
    const wrong = await concurrentOps(
      store,
      random,
      {
        rounds: 15,
        width: 10,
        putShare: 0.55,
        deleteShare: 0.85,
        minSize: 10,
        sizeRange: 400,
        keyOf: (n) => `k${n}`,
        list: { prefix: "k", limit: 3 },
      },
      model,
    );
    await new Promise((r) => setTimeout(r, 50)); // removals started by release() run detached
    expect(wrong).toEqual([]);
    const st = internals(store);
    // the current pack, and at most the spare created ahead of the next rollover
    const spare = await st.spare;
    expect([...st.openPacks.keys()].filter((id) => id !== spare?.id)).toEqual([st.active?.id]);
    expect(st.settling.size).toBe(0);
    const rows = st.db.prepare("SELECT pack, pos, data, len FROM objects").all() as {
      pack: number;
      pos: number;
      data: number;
      len: number;
    }[];
    for (const f of await packFiles(root)) {
      const id = Number(f.slice(0, 10));
      if (id === st.active?.id) continue;
      const live = rows.filter((r) => r.pack === id).reduce((s, r) => s + r.data - r.pos + r.len, 0);
      expect(live * 2, `pack ${id}`).toBeGreaterThanOrEqual(statSync(join(root, f)).size);
    }
    for (const [k, body] of model) expect(same(await store.get(k), body), k).toBe(true);
    await store.close();
  });

  it("close while a delete is reclaiming: the delete returns, no handle is left open, the objects survive", async () => {
    let store = await PackObjectStore.open({ root, packBytes: 1 << 20 });
    for (let i = 0; i < 200; i++) await store.put(`o${i}`, bodyOf(i, 3000));
    await store.close();
    store = await PackObjectStore.open({ root, packBytes: 5000 });
    for (let i = 0; i < 100; i++) await store.delete(`o${i}`);
    const reclaiming = codeOf(store.delete("o100")); // below half live: moves 99 objects
    await new Promise((r) => setTimeout(r, 5));
    await store.close();
    expect(await reclaiming).toBe("ok");
    await new Promise((r) => setTimeout(r, 50));
    expect(fdsUnder(root)).toEqual([]);
    const re = await PackObjectStore.open({ root, packBytes: 5000 });
    for (let i = 101; i < 200; i++) expect(same(await re.get(`o${i}`), bodyOf(i, 3000)), `o${i}`).toBe(true);
    expect(await codeOf(re.get("o100"))).toBe("OBJECT_NOT_FOUND");
    await re.close();
  });

  it("kill -9 of a child process mid-churn (reclaims running): acknowledged puts and deletes hold, repeatedly", async () => {
    const child = join(import.meta.dirname, "pack-store", "churn-child.ts");
    const run = (prefix: string, seed: number, delayMs: number) =>
      new Promise<string[]>((resolve, reject) => {
        const proc = spawn(process.execPath, ["--import", "tsx", child, root, prefix, String(seed)], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        proc.stdout.on("data", (d: Buffer) => {
          const ready = out.includes("READY");
          out += d.toString();
          if (!ready && out.includes("READY")) setTimeout(() => proc.kill("SIGKILL"), delayMs);
        });
        proc.on("exit", () => resolve(out.split("\n").filter((l) => l.length > 0 && l !== "READY")));
        proc.on("error", reject);
      });
    const random = prng(5);
    const acked = new Map<string, number>();
    const issued = new Set<string>();
    const gone = new Set<string>();
    // the child's bodies: bodyOf(seed * 100000 + n, length) for key r<seed-1>/<n>
    const expected = (key: string, length: number) =>
      bodyOf((Number(key.slice(1, key.indexOf("/"))) + 1) * 100_000 + Number(key.split("/")[1]), length);
    let deletesAcked = 0;
    for (let round = 0; round < 4; round++) {
      for (const line of await run(`r${round}`, round + 1, 50 + Math.floor(random() * 350))) {
        const [op, key, length] = line.split(" ") as [string, string, string | undefined];
        if (op === "P") acked.set(key, Number(length));
        else if (op === "I") issued.add(key);
        else if (op === "D") {
          gone.add(key);
          deletesAcked++;
        }
      }
      const store = await PackObjectStore.open({ root, packBytes: 16 * 1024 });
      try {
        for (const [key, length] of acked) {
          if (!issued.has(key)) expect(same(await store.get(key), expected(key, length)), key).toBe(true);
        }
        for (const { key, size } of (await store.list("", { limit: 100_000 })).objects) {
          expect(gone.has(key), `deleted ${key} is back`).toBe(false);
          expect(same(await store.get(key), expected(key, size)), `bytes of ${key}`).toBe(true);
        }
      } finally {
        await store.close();
      }
    }
    expect(deletesAcked).toBeGreaterThan(20);
  });

  for (const seed of [1, 3]) {
    it(`power-cut images at every file and directory sync, unsynced appends cut off (seed ${seed})`, async () => {
      const packBytes = 4096;
      const { images, bodies, barriers, cleanup } = await runPowerWorkload({ seed, ops: 45, packBytes });
      try {
        expect(images.length).toBeGreaterThan(30);
        expect(barriers).toBeGreaterThan(0); // reclaims ran
        for (const image of images) await checkImage(image, bodies, packBytes);
      } finally {
        await cleanup();
      }
    });
  }

  it("FIXED: a put starting while a rollover finishes goes to the retired pack and fails (file closed)", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 1000 });
    await store.put("a", bodyOf(1, 800));
    const st = internals(store);
    const openPack = st.openPack.bind(store);
    let late: Promise<string> | undefined;
    st.openPack = (previous) => {
      const opened = openPack(previous);
      // one microtask after the new pack is ready: `opening` is already cleared, `active` is still the old pack
      void opened
        .then(() => undefined)
        .then(() => {
          late = codeOf(store.put("c", bodyOf(3, 50)));
        });
      return opened;
    };
    await store.put("b", bodyOf(2, 800)); // does not fit: rollover
    const outcome = await late;
    await store.close();
    expect(outcome).toBe("ok"); // today: UNAVAILABLE, retriable=false, "file closed"
  });

  // Was a known limitation: record data had no checksum, so an overwrite that was never acknowledged could be
  // read back torn after a power cut, in place of the acknowledged value. An overwrite now carries a data CRC-32C
  // and open skips one that does not check out.
  it("FIXED: after a power cut, a torn overwrite is skipped on open and the acknowledged value stays", async () => {
    let image: string | undefined;
    let armed = false;
    const store = await PackObjectStore.open({
      root,
      sync: hookedSync(() => {
        if (armed && image === undefined) image = snapshot(root); // the overwrite written, not yet synced
      }),
    });
    await store.put("k", bodyOf(1, 300));
    armed = true;
    await store.put("k", bodyOf(2, 300));
    await store.close();
    // the overwrite's header reached the disk, its data did not
    const path = join(image!, packName(1));
    const last = recordsOf(readFileSync(path)).at(-1)!;
    const fd = openSync(path, "r+");
    writeSync(fd, new Uint8Array(300), 0, 300, last.pos + 28 + 1);
    closeSync(fd);
    const re = await PackObjectStore.open({ root: image! });
    try {
      const got = await re.get("k");
      // the acknowledged value (the torn overwrite is gone), never bytes nobody wrote
      expect(same(got, bodyOf(1, 300))).toBe(true);
      // skipped, not cut: its header checks out, so records after it would still be found
      expect(recordsOf(readFileSync(join(image!, packName(1)))).map((r) => r.key)).toEqual(["k", "k"]);
    } finally {
      await re.close();
      await removeRoot(image!);
    }
  });
});

describe("binary produce", () => {
  const enc = new TextEncoder();
  let dir: string;
  let storage: EmbeddedStorage;
  let log: Log;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-second-review-"));
    storage = await openEmbeddedStorage(dir);
    log = createLog({ ledger: storage.ledger, store: storage.store });
  });
  afterEach(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  const batchOf = (
    count: number,
    opts: { compression?: CompressionCodec; producerId?: number; producerEpoch?: number; baseSequence?: number } = {},
  ) =>
    encodeRecordBatch(
      Array.from({ length: count }, (_, i) => ({
        key: enc.encode(`k${i}`),
        value: new Uint8Array(10).fill(i & 255),
        headers: [],
        timestamp: Date.now(),
      })),
      opts,
    );
  /** `edit` applied to a copy, CRC recomputed: only the deep checks can catch it */
  const edited = (batch: Uint8Array, edit: (view: DataView) => void) => {
    const copy = batch.slice();
    const view = new DataView(copy.buffer);
    edit(view);
    view.setUint32(17, crc32c(copy, BATCH_CRC_START, copy.length));
    return copy;
  };
  const incoming = async () => (await storage.store.list("incoming/")).objects.length;
  /** the embedded store, each put delayed: the window a slow S3 PUT or a pack rollover opens */
  const slowStore = (): ObjectStore => ({
    put: async (k, b) => {
      await new Promise((r) => setTimeout(r, 30));
      return storage.store.put(k, b);
    },
    get: (k, r) => storage.store.get(k, r),
    delete: (k) => storage.store.delete(k),
    list: (p, o) => storage.store.list(p, o),
  });

  it("refuses garbage in every codec's section as INVALID_ARGUMENT naming the batch, and stores nothing", async () => {
    await log.createTopic("t", 1);
    for (const codec of [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
      const bytes = edited(batchOf(3), (v) => v.setInt16(21, codec));
      const err = await log.produceBatches("t", [{ partition: 0, bytes }]).catch((e: unknown) => e);
      expect(err, `codec ${codec}`).toBeInstanceOf(StrataError);
      expect((err as StrataError).code).toBe("INVALID_ARGUMENT");
      expect((err as StrataError).details.field).toBe("batches[0].batch[0]");
    }
    expect(await incoming()).toBe(0);
    expect((await log.describeTopic("t")).partitions[0]!.highWatermark).toBe(0);
  });

  it("refuses a batch whose header claims 2^31-1 records (dense deltas), before committing anything", async () => {
    await log.createTopic("t", 1);
    const bytes = edited(batchOf(3), (v) => {
      v.setInt32(23, 0x7ffffffe); // lastOffsetDelta
      v.setInt32(57, 0x7fffffff); // recordCount
    });
    expect(await codeOf(log.produceBatches("t", [{ partition: 0, bytes }]))).toBe("INVALID_ARGUMENT");
    expect((await log.describeTopic("t")).partitions[0]!.highWatermark).toBe(0);
    expect(await incoming()).toBe(0);
  });

  it("stores several batches of mixed codecs in one partition and reads back dense offsets", async () => {
    await log.createTopic("t", 2);
    const parts = [
      batchOf(3, { compression: Compression.gzip }),
      batchOf(4, { compression: Compression.lz4 }),
      batchOf(2, { compression: Compression.snappy }),
    ];
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    const res = await log.produceBatches("t", [
      { partition: 0, bytes: joined },
      { partition: 1, bytes: batchOf(1) },
    ]);
    expect(res.failed).toBe(0);
    const fetched = await log.fetch("t", 0, { offset: 0, maxRecords: 100 });
    expect(fetched.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("an idempotent batch refused by the deep checks leaves the sequence where it was", async () => {
    await log.createTopic("t", 1);
    const p = await log.registerProducer();
    const fields = { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 };
    const bad = batchOf(3, fields);
    bad[bad.length - 1]! ^= 1;
    expect(await codeOf(log.produceBatches("t", [{ partition: 0, bytes: bad }]))).toBe("INVALID_ARGUMENT");
    const ok = await log.produceBatches("t", [{ partition: 0, bytes: batchOf(3, fields) }]);
    expect(ok.results).toEqual([{ partition: 0, offset: 0 }]);
    expect(await incoming()).toBe(1);
  });

  it("a failed store write with a batch that passes surfaces the store's error; a failed check wins over it", async () => {
    await log.createTopic("t", 1);
    const failing: ObjectStore = {
      ...slowStore(),
      put: async () => {
        throw new StrataError("THROTTLED", "slow down", { retriable: true });
      },
    };
    const failingLog = createLog({ ledger: storage.ledger, store: failing });
    expect(await codeOf(failingLog.produceBatches("t", [{ partition: 0, bytes: batchOf(2) }]))).toBe("THROTTLED");
    const bad = edited(batchOf(2), (v) => v.setBigInt64(35, BigInt(Date.now() + 99_999)));
    expect(await codeOf(failingLog.produceBatches("t", [{ partition: 0, bytes: bad }]))).toBe("INVALID_ARGUMENT");
  });

  it("nothing reads the caller's buffer after produceBatches resolved (the single-partition path has no copy)", async () => {
    await log.createTopic("t", 1);
    const bytes = batchOf(3);
    await log.produceBatches("t", [{ partition: 0, bytes }]);
    bytes.fill(0xee);
    const fetched = await log.fetch("t", 0, { offset: 0 });
    expect(fetched.records.map((r) => new TextDecoder().decode(r.key!))).toEqual(["k0", "k1", "k2"]);
  });

  it("FIXED: a buffer changed while the produce is pending is committed unchecked; fetch then fails", async () => {
    await log.createTopic("t", 1);
    const slowLog = createLog({ ledger: storage.ledger, store: slowStore() });
    const bytes = batchOf(3);
    const pending = codeOf(slowLog.produceBatches("t", [{ partition: 0, bytes }]));
    await new Promise((r) => setTimeout(r, 10)); // the checks are done, the write has not started
    bytes[bytes.length - 1]! ^= 0xff;
    const produced = await pending;
    const fetched = await codeOf(log.fetch("t", 0, { offset: 0 }));
    // today: produced "ok", fetched CORRUPT_DATA (the partition is stuck at offset 0)
    expect(produced === "ok" ? fetched : "ok").toBe("ok");
  });

  it("FIXED: an explicit producer whose epoch and sequence differ from the batch header's is accepted", async () => {
    await log.createTopic("t", 1);
    const p = await log.registerProducer();
    const bytes = batchOf(3, { producerId: p.producerId, producerEpoch: 7, baseSequence: 50 });
    const outcome = await codeOf(log.produceBatches("t", [{ partition: 0, bytes }], { ...p, baseSequences: { 0: 0 } }));
    expect(outcome).toBe("INVALID_ARGUMENT"); // today: committed at offset 0, stored header says epoch 7 seq 50
  });
});
