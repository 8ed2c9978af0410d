/** RecordBatch v2 properties: round trip, declared sizes, stamping, and hostile input only ever raising FormatError. */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../lib/errors.js";
import { FormatError } from "../../../lib/format/errors.js";
import {
  BATCH_HEADER_SIZE,
  decodeRecordBatch,
  encodeRecordBatch,
  readBatchHeader,
  splitBatches,
  verifyBatchCrc,
  withBaseOffset,
  withLogAppendTime,
} from "../../../lib/format/record-batch.js";
import { Compression, type CompressionCodec, type RecordInput, TimestampType } from "../../../lib/format/types.js";
import { zstdReady } from "../../../lib/format/zstd.js";
import { recordArb, utf8 } from "./support.js";

const codecArb = fc.constantFrom(
  Compression.none,
  Compression.gzip,
  Compression.snappy,
  Compression.lz4,
  Compression.zstd,
);

beforeAll(zstdReady);
const recordsArb = fc.array(recordArb(), { minLength: 1, maxLength: 12 });

/** Runs `f` and asserts it either returns or throws a FormatError; returns the value or undefined. */
function onlyFormatError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`expected FormatError, got ${String(e)}`, { cause: e });
    expect(e.code).toBe("CORRUPT_DATA");
    expect(e.retriable).toBe(false);
    return undefined;
  }
}

describe("encode/decode", () => {
  it("decode(encode(x)) == x, for every codec, with the header Kafka expects", () => {
    fc.assert(
      fc.property(recordsArb, codecArb, fc.nat({ max: 2 ** 40 }), (records, compression, baseOffset) => {
        const bytes = encodeRecordBatch(records, { compression, baseOffset });
        const { header, records: decoded, recordSizes } = decodeRecordBatch(bytes);
        expect(decoded).toEqual(records.map((r, i) => ({ offset: baseOffset + i, ...r })));
        expect(header.batchLength + 12).toBe(bytes.length);
        expect(header).toMatchObject({
          baseOffset,
          magic: 2,
          compression,
          recordCount: records.length,
          lastOffsetDelta: records.length - 1,
          baseTimestamp: records[0]!.timestamp,
          maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
          producerId: -1,
          producerEpoch: -1,
          baseSequence: -1,
          partitionLeaderEpoch: -1,
          timestampType: TimestampType.CreateTime,
          isTransactional: false,
          isControl: false,
        });
        expect(recordSizes).toHaveLength(records.length);
        if (compression === Compression.none) {
          expect(recordSizes.reduce((a, b) => a + b, 0)).toBe(bytes.length - BATCH_HEADER_SIZE);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("recordSizes are the uncompressed sizes whatever the codec", () => {
    fc.assert(
      fc.property(recordsArb, codecArb, (records, compression) => {
        const plain = decodeRecordBatch(encodeRecordBatch(records)).recordSizes;
        expect(decodeRecordBatch(encodeRecordBatch(records, { compression })).recordSizes).toEqual(plain);
      }),
      { numRuns: 50 },
    );
  });

  it("producer identity, leader epoch and extreme timestamps survive", () => {
    const records: RecordInput[] = [
      { key: null, value: utf8("a"), headers: [], timestamp: 2 ** 51 },
      { key: null, value: utf8("b"), headers: [], timestamp: -(2 ** 51) },
    ];
    const bytes = encodeRecordBatch(records, {
      baseOffset: 2 ** 50,
      producerId: 2 ** 50,
      producerEpoch: 32767,
      baseSequence: 2 ** 31 - 1,
      partitionLeaderEpoch: 9,
    });
    const { header, records: out } = decodeRecordBatch(bytes);
    expect(header).toMatchObject({
      baseOffset: 2 ** 50,
      producerId: 2 ** 50,
      producerEpoch: 32767,
      baseSequence: 2 ** 31 - 1,
      partitionLeaderEpoch: 9,
    });
    expect(out.map((r) => r.timestamp)).toEqual([2 ** 51, -(2 ** 51)]);
  });

  it("a 1000 x 1 KiB batch encodes and decodes with every codec", () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({
      key: utf8(`k${i}`),
      value: utf8(JSON.stringify({ i, pad: "x".repeat(1000) }).slice(0, 1024)),
      headers: [],
      timestamp: 1_700_000_000_000 + i,
    }));
    for (const compression of [
      Compression.none,
      Compression.gzip,
      Compression.snappy,
      Compression.lz4,
      Compression.zstd,
    ] as const) {
      const out = decodeRecordBatch(encodeRecordBatch(records, { compression })).records;
      expect(out).toHaveLength(1000);
      expect(out[999]!.value).toEqual(records[999]!.value);
    }
  });

  it("refuses bad input with InvalidArgumentError", () => {
    const r: RecordInput = { key: null, value: null, headers: [], timestamp: 1 };
    expect(() => encodeRecordBatch([])).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch([{ ...r, timestamp: 1.5 }])).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch([r], { compression: 5 as CompressionCodec })).toThrow(/unknown\(5\).*not supported/);
    expect(() => encodeRecordBatch([r], { producerEpoch: 40000 })).toThrow(InvalidArgumentError);
  });
});

describe("walking and stamping", () => {
  it("splitBatches walks a concatenation and finds each batch", () => {
    fc.assert(
      fc.property(fc.array(recordsArb, { minLength: 0, maxLength: 5 }), codecArb, (batches, compression) => {
        const parts = batches.map((rs) => encodeRecordBatch(rs, { compression }));
        const all = Buffer.concat(parts);
        const found = splitBatches(all);
        expect(found).toHaveLength(parts.length);
        let at = 0;
        found.forEach((f, i) => {
          expect(f.start).toBe(at);
          at += parts[i]!.length;
          expect(f.end).toBe(at);
          expect(f.header.recordCount).toBe(batches[i]!.length);
        });
        if (all.length > 0) expect(() => splitBatches(all.subarray(0, all.length - 1))).toThrow(FormatError);
      }),
      { numRuns: 50 },
    );
  });

  it("withBaseOffset stamps the offset, keeps the CRC valid and leaves the input alone", () => {
    const bytes = encodeRecordBatch([{ key: null, value: utf8("v"), headers: [], timestamp: 5 }], {
      compression: Compression.lz4,
    });
    const before = bytes.slice();
    const stamped = withBaseOffset(Buffer.from(bytes), 12345);
    expect(bytes).toEqual(before);
    verifyBatchCrc(stamped);
    expect(decodeRecordBatch(stamped).records[0]!.offset).toBe(12345);
    expect(readBatchHeader(stamped).baseOffset).toBe(12345);
  });

  it("withLogAppendTime sets the type bit, maxTimestamp and a fresh CRC; records read the append time", () => {
    const bytes = encodeRecordBatch(
      [
        { key: null, value: utf8("a"), headers: [], timestamp: 10 },
        { key: null, value: utf8("b"), headers: [], timestamp: 20 },
      ],
      { compression: Compression.snappy },
    );
    const stamped = withLogAppendTime(bytes, 99_999);
    verifyBatchCrc(stamped);
    const { header, records } = decodeRecordBatch(stamped);
    expect(header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(header.maxTimestamp).toBe(99_999);
    expect(records.map((r) => r.timestamp)).toEqual([99_999, 99_999]);
    // A corrupt batch is refused rather than re-sealed with a valid CRC.
    const bad = bytes.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => withLogAppendTime(bad, 1)).toThrow(FormatError);
  });

  it("single-batch functions refuse trailing bytes", () => {
    const one = encodeRecordBatch([{ key: null, value: null, headers: [], timestamp: 0 }]);
    const two = Buffer.concat([one, one]);
    expect(() => decodeRecordBatch(two)).toThrow(FormatError);
    expect(() => verifyBatchCrc(two)).toThrow(FormatError);
    expect(() => withBaseOffset(two, 1)).toThrow(FormatError);
  });
});

describe("hostile input", () => {
  it("random bytes only ever raise FormatError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, verifyCrc) => {
        onlyFormatError(() => decodeRecordBatch(bytes, { verifyCrc }));
        onlyFormatError(() => splitBatches(bytes));
        onlyFormatError(() => readBatchHeader(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("random bodies behind a plausible header only ever raise FormatError", () => {
    // A valid-looking header makes the fuzzer reach the record parser and the decompressors.
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: 7 }),
        fc.nat(30),
        (body, codec, count) => {
          const bytes = new Uint8Array(BATCH_HEADER_SIZE + body.length);
          bytes.set(body, BATCH_HEADER_SIZE);
          const view = new DataView(bytes.buffer);
          view.setInt32(8, bytes.length - 12);
          view.setInt8(16, 2);
          view.setInt16(21, codec);
          view.setInt32(23, count);
          view.setInt32(57, count);
          onlyFormatError(() => decodeRecordBatch(bytes, { verifyCrc: false }));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a single-byte corruption never decodes to different data with the CRC on, and only raises FormatError", () => {
    fc.assert(
      fc.property(
        recordsArb,
        codecArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (records, compression, where, flip, verifyCrc) => {
          const bytes = encodeRecordBatch(records, { compression });
          const original = decodeRecordBatch(bytes);
          const bad = bytes.slice();
          const at = where % bad.length;
          bad[at]! ^= flip;
          const out = onlyFormatError(() => decodeRecordBatch(bad, { verifyCrc }));
          if (out && verifyCrc) {
            // Only baseOffset and partitionLeaderEpoch lie outside the CRC: the data must be the same.
            expect(at < 8 || (at >= 12 && at < 16)).toBe(true);
            expect(out.records.map(({ offset: _, ...r }) => r)).toEqual(
              original.records.map(({ offset: _, ...r }) => r),
            );
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it("truncations only raise FormatError", () => {
    fc.assert(
      fc.property(recordsArb, codecArb, fc.nat(), (records, compression, cut) => {
        const bytes = encodeRecordBatch(records, { compression });
        const short = bytes.subarray(0, cut % bytes.length);
        expect(() => decodeRecordBatch(short, { verifyCrc: false })).toThrow(FormatError);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses int64s beyond 2^53, other magics and unknown codecs", () => {
    const bytes = encodeRecordBatch([{ key: null, value: null, headers: [], timestamp: 0 }]);
    const big = bytes.slice();
    new DataView(big.buffer).setInt32(0, 0x00400000); // baseOffset = 2^54
    expect(() => readBatchHeader(big)).toThrow(/safe integer/);
    const v1 = bytes.slice();
    v1[16] = 1;
    expect(() => readBatchHeader(v1)).toThrow(/magic 1/);
    const codec7 = bytes.slice();
    codec7[22] = 7;
    expect(() => readBatchHeader(codec7)).toThrow(/codec 7/);
    const zstd = bytes.slice();
    zstd[22] = 4;
    expect(() => decodeRecordBatch(zstd, { verifyCrc: false })).toThrow(/zstd: not a zstd frame/);
  });

  it("a record count that does not match the records is refused", () => {
    const bytes = encodeRecordBatch([
      { key: null, value: utf8("a"), headers: [], timestamp: 0 },
      { key: null, value: utf8("b"), headers: [], timestamp: 0 },
    ]);
    for (const count of [1, 3]) {
      const bad = bytes.slice();
      new DataView(bad.buffer).setInt32(57, count);
      expect(() => decodeRecordBatch(bad, { verifyCrc: false })).toThrow(FormatError);
    }
  });

  it("the decompressed size is bounded", () => {
    const records = [{ key: null, value: new Uint8Array(100_000), headers: [], timestamp: 0 }];
    for (const compression of [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const) {
      const bytes = encodeRecordBatch(records, { compression });
      expect(bytes.length).toBeLessThan(10_000);
      expect(() => decodeRecordBatch(bytes, { maxUncompressedBytes: 50_000 })).toThrow(FormatError);
      expect(decodeRecordBatch(bytes, { maxUncompressedBytes: 200_000 }).records).toHaveLength(1);
    }
  });
});
