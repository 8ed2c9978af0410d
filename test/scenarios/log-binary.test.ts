/**
 * The binary produce path on both backends: batches are stored as sent, and their CRCs and records are checked
 * while the object is written. A batch that fails any check commits nothing, names the field at fault, and
 * leaves no object behind; a write that fails is reported as such.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode, Location } from "../../lib/errors.js";
import { crc32c } from "../../lib/format/crc32c.js";
import { BATCH_CRC_START, encodeRecordBatch } from "../../lib/format/record-batch.js";
import { Compression } from "../../lib/format/types.js";
import { createLog, type Log } from "../../lib/log/log.js";
import { backends, type TestStorage } from "../support/backends.js";
import { expectCode } from "../support/expect.js";
import { instrument } from "../support/instrument.js";

const enc = new TextEncoder();
let n = 0;
const topicName = (what: string) => `${what}-${Date.now().toString(36)}-${n++}`;

const batchOf = (count: number, opts: { key?: string | null; timestamp?: number; size?: number } = {}) =>
  encodeRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: opts.key === null ? null : enc.encode(opts.key ?? `k${i}`),
      value: new Uint8Array(opts.size ?? 100).fill(i & 255),
      headers: [{ name: "h", value: enc.encode(String(i)) }],
      timestamp: opts.timestamp ?? Date.now(),
    })),
  );

/** The batch with its CRC recomputed after `edit`, so only the deeper checks can catch the change. */
function edited(batch: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = batch.slice();
  const view = new DataView(copy.buffer);
  edit(view);
  view.setUint32(17, crc32c(copy, BATCH_CRC_START, copy.length));
  return copy;
}

describe.each(backends)("binary produce on $name", (backend) => {
  let storage: TestStorage;
  let log: Log;
  const incoming = async () => (await storage.store.list("incoming/", { limit: 10_000 })).objects.map((o) => o.key);

  beforeAll(async () => {
    storage = await backend.open();
    log = createLog({ ledger: storage.ledger, store: storage.store });
  });
  afterAll(async () => {
    await storage.cleanup();
  });

  it("a handed-over body is moved, not copied: the caller's view is left empty; a slice of a larger buffer is copied", async () => {
    const topic = topicName("transfer");
    await log.createTopic(topic, 1);
    const whole = batchOf(3);
    const expected = whole.slice();
    const res = await log.produceBatches(topic, [{ partition: 0, bytes: whole }], undefined, { transfer: true });
    expect(res.failed).toBe(0);
    expect(whole.byteLength).toBe(0); // detached: nothing the caller does can change what was checked and stored
    const larger = new Uint8Array(expected.length + 10);
    larger.set(expected, 5);
    const slice = larger.subarray(5, 5 + expected.length);
    await log.produceBatches(topic, [{ partition: 0, bytes: slice }], undefined, { transfer: true });
    expect(slice.byteLength).toBe(expected.length); // not its own buffer: copied, the caller's bytes untouched
    slice.fill(0);
    const read = await log.fetchBatches(topic, 0, { offset: 0 });
    const fetched = await log.fetch(topic, 0, { offset: 0 });
    expect(fetched.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(read.bytes.length).toBe(2 * expected.length);
  });

  it("stores batches for several partitions in one object and reads them back", async () => {
    const topic = topicName("bin");
    await log.createTopic(topic, 3);
    const res = await log.produceBatches(topic, [
      { partition: 0, bytes: batchOf(3) },
      { partition: 2, bytes: batchOf(2) },
    ]);
    expect(res.results).toEqual([
      { partition: 0, offset: 0 },
      { partition: 2, offset: 0 },
    ]);
    const fetched = await log.fetch(topic, 2, { offset: 0 });
    expect(fetched.records.map((r) => new TextDecoder().decode(r.key!))).toEqual(["k0", "k1"]);
  });

  const now = Date.now();
  const cases: {
    what: string;
    bytes: () => Uint8Array;
    /** where the bad batch is, given as the input's second entry */
    at: Location;
    code?: ErrorCode;
    config?: Record<string, string>;
  }[] = [
    {
      what: "a CRC that does not match",
      bytes: () => {
        const b = batchOf(5);
        b[b.length - 1]! ^= 0xff;
        return b;
      },
      at: { input: 1, batch: 0 },
    },
    {
      what: "a record section that does not parse (CRC recomputed)",
      bytes: () => edited(batchOf(5), (v) => v.setUint8(61, 0x7f)), // the first record's length: -64
      at: { input: 1, batch: 0 },
    },
    {
      what: "a maxTimestamp the records do not reach",
      bytes: () => edited(batchOf(5, { timestamp: now }), (v) => v.setBigInt64(35, BigInt(now + 1000))),
      at: { input: 1, batch: 0, member: "maxTimestamp" },
    },
    {
      what: "a timestamp older than message.timestamp.before.max.ms",
      bytes: () => batchOf(5, { timestamp: now - 3_600_000 }),
      at: { input: 1, batch: 0, record: 0, member: "timestamp" },
      config: { "message.timestamp.before.max.ms": "60000" },
    },
    {
      what: "a null key on a compacted topic",
      bytes: () => batchOf(2, { key: null }),
      at: { input: 1, batch: 0, record: 0, member: "key" },
      config: { "cleanup.policy": "compact" },
    },
    {
      what: "a record over max.message.bytes",
      bytes: () => batchOf(2, { size: 4000 }),
      at: { input: 1, batch: 0, record: 0 },
      code: "RECORD_TOO_LARGE",
      config: { "max.message.bytes": "2000" },
    },
  ];

  it.each(cases)(
    "refuses $what, locating it, commits nothing and leaves no object",
    async ({ bytes, at, code, config }) => {
      const topic = topicName("bad");
      await log.createTopic(topic, 2, config ?? {});
      const before = await incoming();
      const err = await expectCode(
        log.produceBatches(topic, [
          { partition: 1, bytes: batchOf(1) },
          { partition: 0, bytes: bytes() },
        ]),
        code ?? "INVALID_ARGUMENT",
      );
      expect(err.details.at).toEqual(at);
      expect(err.details.field).toBeUndefined();
      const described = await log.describeTopic(topic);
      expect(described.partitions.map((p) => p.highWatermark)).toEqual([0, 0]);
      expect(await incoming()).toEqual(before);
    },
  );

  it("refuses a batch that decompresses to more than 16 MiB (a poison batch for every reader)", async () => {
    const topic = topicName("bomb");
    await log.createTopic(topic, 1, { "max.message.bytes": 4 * 1024 * 1024 });
    const zeros = new Uint8Array(4 * 1024 * 1024 - 100);
    const bomb = encodeRecordBatch(
      Array.from({ length: 5 }, () => ({ key: null, value: zeros, headers: [], timestamp: Date.now() })),
      { compression: Compression.lz4 },
    );
    expect(bomb.length).toBeLessThan(1024 * 1024); // small on the wire
    const err = await expectCode(log.produceBatches(topic, [{ partition: 0, bytes: bomb }]), "INVALID_ARGUMENT");
    expect(err.details.at).toEqual({ input: 0, batch: 0 });
    expect((await log.describeTopic(topic)).partitions[0]!.highWatermark).toBe(0);
    // the same records in batches under the limit go in
    const half = encodeRecordBatch(
      Array.from({ length: 3 }, () => ({ key: null, value: zeros, headers: [], timestamp: Date.now() })),
      { compression: Compression.lz4 },
    );
    const ok = await log.produceBatches(topic, [{ partition: 0, bytes: half }]);
    expect(ok.failed).toBe(0);
  });

  it("reports a failed write, and a failed check over a failed write", async () => {
    const topic = topicName("faulty");
    const faulty = instrument(storage.store, { fault: (c) => (c.method === "put" ? "before" : undefined) });
    const faultyLog = createLog({ ledger: storage.ledger, store: faulty });
    await faultyLog.createTopic(topic, 1);
    await expectCode(faultyLog.produceBatches(topic, [{ partition: 0, bytes: batchOf(3) }]), "UNAVAILABLE");
    const bad = batchOf(3);
    bad[bad.length - 1]! ^= 1;
    await expectCode(faultyLog.produceBatches(topic, [{ partition: 0, bytes: bad }]), "INVALID_ARGUMENT");
    expect((await log.describeTopic(topic)).partitions[0]!.highWatermark).toBe(0);
    await faultyLog.close();
  });
});
