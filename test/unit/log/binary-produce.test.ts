/**
 * Log.produceBatches (binary produce) checks every batch deeply before anything is stored or committed: corrupt
 * sections, lying record counts, the caller's buffer changing while the produce is pending, and producer fields
 * that disagree with the batch header. Root causes of the bugs these tests caught:
 * - buffer mutated while a produce is pending: validation and the store read the caller's bytes at different
 *   times, so a batch that passed its checks could be stored with different bytes (and a CRC that fails on fetch).
 * - producer fields: with an explicit producer, only the header's producerId was compared; its epoch and sequence
 *   (and a header that names no producer at all) were stored as sent while the commit used others.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { crc32c } from "../../../lib/format/crc32c.js";
import { BATCH_CRC_START, encodeRecordBatch } from "../../../lib/format/record-batch.js";
import { Compression, type CompressionCodec } from "../../../lib/format/types.js";
import { zstdReady } from "../../../lib/format/zstd.js";
import { createLog, type Log } from "../../../lib/log/log.js";
import { type EmbeddedStorage, openEmbeddedStorage } from "../../../lib/storage/data-dir.js";
import type { ObjectStore } from "../../../lib/storage/object-store.js";
import { codeOf } from "../../support/outcome.js";
import { rleFrame, withRecordsSection } from "../format/support.js";

describe("Log.produceBatches checks", () => {
  const enc = new TextEncoder();
  let dir: string;
  let storage: EmbeddedStorage;
  let log: Log;
  beforeAll(zstdReady);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-binary-produce-"));
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

  it("refuses garbage in every codec's section as INVALID_ARGUMENT locating the batch, and stores nothing", async () => {
    await log.createTopic("t", 1);
    for (const codec of [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
      const bytes = edited(batchOf(3), (v) => v.setInt16(21, codec));
      const err = await log.produceBatches("t", [{ partition: 0, bytes }]).catch((e: unknown) => e);
      expect(err, `codec ${codec}`).toBeInstanceOf(StrataError);
      expect((err as StrataError).code).toBe("INVALID_ARGUMENT");
      expect((err as StrataError).details.at).toEqual({ input: 0, batch: 0 });
    }
    expect(await incoming()).toBe(0);
    expect((await log.describeTopic("t")).partitions[0]!.highWatermark).toBe(0);
  });

  it("refuses a zstd bomb (1 GiB from 32 KiB, no content size) naming the batch and the limit, and stores nothing", async () => {
    await log.createTopic("t", 1);
    const bytes = withRecordsSection(batchOf(1, { compression: Compression.zstd }), rleFrame(8192, 128 * 1024));
    const err = await log.produceBatches("t", [{ partition: 0, bytes }]).catch((e: unknown) => e);
    expect((err as StrataError).code).toBe("INVALID_ARGUMENT");
    expect((err as StrataError).details.at).toEqual({ input: 0, batch: 0 });
    expect((err as StrataError).message).toMatch(/zstd: output larger than 16777216 bytes/);
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

  it("a buffer changed while the produce is pending is never committed unchecked: what is acknowledged reads back", async () => {
    await log.createTopic("t", 1);
    const slowLog = createLog({ ledger: storage.ledger, store: slowStore() });
    const bytes = batchOf(3);
    const pending = codeOf(slowLog.produceBatches("t", [{ partition: 0, bytes }]));
    await new Promise((r) => setTimeout(r, 10)); // the checks are done, the write has not started
    bytes[bytes.length - 1]! ^= 0xff;
    const produced = await pending;
    const fetched = await codeOf(log.fetch("t", 0, { offset: 0 }));
    // was: produced "ok", fetched CORRUPT_DATA (the partition stuck at offset 0)
    expect(produced === "ok" ? fetched : "ok").toBe("ok");
  });

  it("an explicit producer whose epoch and sequence differ from the batch header's is refused", async () => {
    await log.createTopic("t", 1);
    const p = await log.registerProducer();
    const bytes = batchOf(3, { producerId: p.producerId, producerEpoch: 7, baseSequence: 50 });
    const outcome = await codeOf(log.produceBatches("t", [{ partition: 0, bytes }], { ...p, baseSequences: { 0: 0 } }));
    expect(outcome).toBe("INVALID_ARGUMENT"); // was: committed at offset 0, stored header saying epoch 7 seq 50
  });
});
