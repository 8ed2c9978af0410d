/**
 * scanRecordBatch is a cheaper decodeRecordBatch for validation: these properties pin it to decode (same answers on
 * valid batches, a FormatError on exactly the same bad inputs), plus the pieces it rests on: a CRC that continues
 * across chunks and a UTF-8 check that judges bytes as a fatal TextDecoder does.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../lib/format/crc32c.js";
import { WASM_CHUNK } from "../../../lib/format/crc32c-wasm.js";
import { FormatError } from "../../../lib/format/errors.js";
import {
  BATCH_CRC_START,
  BATCH_HEADER_SIZE,
  type DecodedBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  type ScannedBatch,
  type ScanOptions,
  scanRecordBatch,
} from "../../../lib/format/record-batch.js";
import { Compression, type RecordInput, TimestampType } from "../../../lib/format/types.js";
import { isValidUtf8 } from "../../../lib/format/utf8.js";
import { recordArb, utf8 } from "./support.js";

const codecArb = fc.constantFrom(Compression.none, Compression.gzip, Compression.snappy, Compression.lz4);

/** Valid batches of every shape decode accepts: any codec, LogAppendTime, compacted offset gaps, a raised last delta. */
const batchArb = fc
  .record({
    records: fc.array(recordArb(), { minLength: 1, maxLength: 10 }),
    compression: codecArb,
    logAppendTime: fc.boolean(),
    gaps: fc.array(fc.nat({ max: 3 }), { minLength: 10, maxLength: 10 }),
    extraLast: fc.nat({ max: 2 }),
    baseOffset: fc.nat({ max: 2 ** 40 }),
  })
  .map(({ records, compression, logAppendTime, gaps, extraLast, baseOffset }) => {
    const offsetDeltas: number[] = [];
    let d = -1;
    for (let i = 0; i < records.length; i++) {
      d += 1 + gaps[i]!;
      offsetDeltas.push(d);
    }
    return encodeRecordBatch(records, {
      compression,
      baseOffset,
      offsetDeltas,
      lastOffsetDelta: d + extraLast,
      timestampType: logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    });
  });

/** Writes a fresh CRC, so a mutation reaches the record walk even with the CRC checked. */
function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(17, crc32c(bytes, BATCH_CRC_START));
  return bytes;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Asserts scan and decode agree on `bytes`: both fail with FormatError, or both succeed with the same header,
 * timestamps, sizes and null keys. Returns whether they succeeded.
 */
function expectAgreement(bytes: Uint8Array, options: ScanOptions = {}): boolean {
  const decoded = attempt<DecodedBatch>(() => decodeRecordBatch(bytes, { ...options, copy: false }));
  const scanned = attempt<ScannedBatch>(() => scanRecordBatch(bytes, options));
  if (!decoded.ok) expect(decoded.error).toBeInstanceOf(FormatError);
  if (!scanned.ok) expect(scanned.error).toBeInstanceOf(FormatError);
  expect(scanned.ok).toBe(decoded.ok);
  if (decoded.ok && scanned.ok) {
    const d = decoded.value;
    const s = scanned.value;
    expect(s.header).toEqual(d.header);
    expect(Array.from(s.timestamps)).toEqual(d.records.map((r) => r.timestamp));
    expect(Array.from(s.sizes)).toEqual(d.recordSizes);
    expect(Array.from(s.nullKeys)).toEqual(d.records.map((r) => (r.key === null ? 1 : 0)));
  }
  return decoded.ok;
}

const require = createRequire(import.meta.url);
const kafkajsCrc = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C") as (b: Buffer) => number;

describe("crc32c continuation", () => {
  it("long ranges (the WebAssembly loop, across its copy chunks) agree with kafkajs's byte-at-a-time CRC", () => {
    const big = new Uint8Array(2 * WASM_CHUNK + 999);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    fc.assert(
      fc.property(fc.nat({ max: big.length }), fc.nat({ max: big.length }), (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(crc32c(big, start, end)).toBe(kafkajsCrc(Buffer.from(big.subarray(start, end))) >>> 0);
      }),
      { numRuns: 40 },
    );
    expect(crc32c(big)).toBe(kafkajsCrc(Buffer.from(big)) >>> 0);
  });

  it("the CRC of a range is the CRC of its chunks, each seeded with the one before", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }), // both sides of the 1 KiB switch to the WebAssembly loop
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.nat({ max: 7 }),
        (data, cutSeeds, shift) => {
          // An unaligned view over a larger buffer, as a Buffer slice would be.
          const backing = new Uint8Array(data.length + shift);
          backing.set(data, shift);
          const bytes = backing.subarray(shift);
          const whole = crc32c(bytes, 0, bytes.length);
          const cuts = cutSeeds.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
          let crc = 0;
          let at = 0;
          for (const cut of [...cuts, bytes.length]) {
            crc = crc32c(bytes, at, cut, crc);
            at = cut;
          }
          expect(crc).toBe(whole);
          const k = cuts[0] ?? 0;
          expect(crc32c(bytes, k, bytes.length, crc32c(bytes, 0, k))).toBe(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("seed 0 is the 3-argument CRC, and a seeded empty range returns the seed", () => {
    const b = utf8("123456789");
    expect(crc32c(b, 0, 9, 0)).toBe(0xe3069283);
    expect(crc32c(b, 4, 4, 0xe3069283)).toBe(0xe3069283);
    expect(crc32c(b, 5, 9, crc32c(b, 0, 5))).toBe(0xe3069283);
  });
});

describe("isValidUtf8", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  const decoderAccepts = (b: Uint8Array): boolean => attempt(() => fatal.decode(b)).ok;

  // Bytes that sit on the edges of the UTF-8 tables, so random arrays hit the interesting cases often.
  const edgeByte = fc.constantFrom(
    0x00,
    0x7f,
    0x80,
    0x8f,
    0x90,
    0x9f,
    0xa0,
    0xbf,
    0xc0,
    0xc1,
    0xc2,
    0xdf,
    0xe0,
    0xe1,
    0xec,
    0xed,
    0xee,
    0xef,
    0xf0,
    0xf1,
    0xf3,
    0xf4,
    0xf5,
    0xff,
  );
  const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), edgeByte, fc.integer({ min: 0x80, max: 0xbf }));

  it("agrees with a fatal TextDecoder on random bytes", () => {
    fc.assert(
      fc.property(fc.array(byteArb, { maxLength: 12 }), (arr) => {
        const b = Uint8Array.from(arr);
        expect(isValidUtf8(b, 0, b.length)).toBe(decoderAccepts(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with a fatal TextDecoder on encoded strings with a byte changed or cut", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 8 }), fc.nat(), byteArb, fc.boolean(), (s, at, v, cut) => {
        const b = utf8(s);
        expect(isValidUtf8(b, 0, b.length)).toBe(true);
        if (b.length === 0) return;
        const changed = cut ? b.subarray(0, at % b.length) : b.slice();
        if (!cut) changed[at % b.length] = v;
        expect(isValidUtf8(changed, 0, changed.length)).toBe(decoderAccepts(changed));
      }),
      { numRuns: 1000 },
    );
  });

  it("agrees with a fatal TextDecoder on every non-ASCII lead with every second byte", () => {
    const b = new Uint8Array(4);
    const check = (len: number) => {
      const v = b.subarray(0, len);
      if (isValidUtf8(v, 0, len) !== decoderAccepts(v)) throw new Error(`disagree on ${Array.from(v)}`);
    };
    for (let b0 = 0x80; b0 < 256; b0++) {
      for (let b1 = 0; b1 < 256; b1++) {
        b[0] = b0;
        b[1] = b1;
        check(2);
        if (b0 < 0xe0) continue; // 3- and 4-byte leads: a good and a bad third byte, a good fourth
        for (const third of [0x80, 0xc0]) {
          b[2] = third;
          b[3] = 0xbf;
          check(3);
          check(4);
        }
      }
    }
  });

  it("looks only at [start, end)", () => {
    const b = Uint8Array.from([0xff, 0x61, 0xc3, 0xa9, 0xff]);
    expect(isValidUtf8(b, 1, 4)).toBe(true);
    expect(isValidUtf8(b, 1, 3)).toBe(false); // a cut sequence
    expect(isValidUtf8(b, 0, 4)).toBe(false);
  });
});

describe("scanRecordBatch agrees with decodeRecordBatch", () => {
  it("on valid batches of every codec: header, timestamps, sizes, null keys", () => {
    fc.assert(
      fc.property(batchArb, (bytes) => {
        expect(expectAgreement(bytes)).toBe(true);
        expect(expectAgreement(bytes, { verifyCrc: false })).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("on a Buffer, and reports uncompressed sizes whatever the codec", () => {
    fc.assert(
      fc.property(fc.array(recordArb(), { minLength: 1, maxLength: 8 }), codecArb, (records, compression) => {
        const plainSizes = scanRecordBatch(encodeRecordBatch(records)).sizes;
        const bytes = Buffer.from(encodeRecordBatch(records, { compression }));
        expect(expectAgreement(bytes)).toBe(true);
        expect(scanRecordBatch(bytes).sizes).toEqual(plainSizes);
      }),
      { numRuns: 60 },
    );
  });

  it("on batches with bytes changed, checked with and without the CRC", () => {
    const flipsArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(batchArb, flipsArb, fc.boolean(), (valid, flips, resealed) => {
        const bytes = valid.slice();
        for (const [at, x] of flips) bytes[at % bytes.length]! ^= x;
        if (resealed) reseal(bytes);
        expectAgreement(bytes);
        expectAgreement(bytes, { verifyCrc: false });
      }),
      { numRuns: 400 },
    );
  });

  it("on changes aimed at the records section of uncompressed batches, where the walk sees them", () => {
    const recordsArb = fc.array(recordArb(16), { minLength: 1, maxLength: 6 });
    const flipsArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 });
    let accepted = 0;
    fc.assert(
      fc.property(recordsArb, flipsArb, (records, flips) => {
        const bytes = encodeRecordBatch(records);
        const section = bytes.length - BATCH_HEADER_SIZE;
        for (const [at, v] of flips) bytes[BATCH_HEADER_SIZE + (at % section)] = v;
        if (expectAgreement(reseal(bytes))) accepted++;
      }),
      { numRuns: 600 },
    );
    // Both outcomes must actually occur, or the property compares nothing interesting.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(600);
  });

  it("on header names that are not UTF-8", () => {
    const marker = "\u0001\u0002\u0003";
    const nameBytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 });
    let rejected = 0;
    fc.assert(
      fc.property(nameBytes, fc.boolean(), (replacement, nullKey) => {
        const record: RecordInput = {
          key: nullKey ? null : utf8("k"),
          value: utf8("v"),
          headers: [{ name: marker, value: null }],
          timestamp: 1,
        };
        const bytes = encodeRecordBatch([record, record]);
        const at = Buffer.from(bytes).indexOf(Buffer.from(utf8(marker)));
        bytes.set(replacement, at);
        if (!expectAgreement(reseal(bytes))) rejected++;
      }),
      { numRuns: 300 },
    );
    expect(rejected).toBeGreaterThan(0);
  });

  it("on truncated, extended and random bytes, and under tight decompression limits", () => {
    fc.assert(
      fc.property(batchArb, fc.nat(), fc.uint8Array({ maxLength: 8 }), (valid, cut, tail) => {
        expectAgreement(valid.subarray(0, cut % valid.length));
        const longer = new Uint8Array(valid.length + tail.length);
        longer.set(valid);
        longer.set(tail, valid.length);
        expectAgreement(longer);
        expectAgreement(valid, { maxUncompressedBytes: cut % 400 });
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectAgreement(bytes, { verifyCrc: false });
      }),
      { numRuns: 300 },
    );
  });

  it("on a plausible header in front of a random section, counts and deltas included", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.integer({ min: -1, max: 20 }),
        fc.integer({ min: -1, max: 20 }),
        codecArb,
        (section, recordCount, lastOffsetDelta, codec) => {
          const bytes = new Uint8Array(BATCH_HEADER_SIZE + section.length);
          const view = new DataView(bytes.buffer);
          view.setInt32(8, bytes.length - 12);
          view.setInt8(16, 2);
          view.setInt16(21, codec);
          view.setInt32(23, lastOffsetDelta);
          view.setInt32(57, recordCount);
          bytes.set(section, BATCH_HEADER_SIZE);
          expectAgreement(reseal(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects a timestamp delta that leaves the safe range, as decode does", () => {
    const bytes = encodeRecordBatch([{ key: null, value: null, headers: [], timestamp: 2 ** 52 }], {});
    // Raise baseTimestamp past 2^53 - delta: the record's absolute timestamp is no longer safe.
    const view = new DataView(bytes.buffer);
    view.setInt32(27, 0x1fffff);
    view.setUint32(31, 0xffffffff);
    expect(expectAgreement(reseal(bytes))).toBe(true); // delta 0: still safe
    const shifted = encodeRecordBatch(
      [
        { key: null, value: null, headers: [], timestamp: 0 },
        { key: null, value: null, headers: [], timestamp: 2 ** 40 },
      ],
      {},
    );
    const v2 = new DataView(shifted.buffer);
    v2.setInt32(27, 0x1fffff);
    v2.setUint32(31, 0xffffffff - 10);
    expect(expectAgreement(reseal(shifted))).toBe(false);
  });
});

describe("header names keep a leading BOM", () => {
  it("decode(encode(x)) keeps U+FEFF at the start of a name", () => {
    const headers = [{ name: "\uFEFFtrace", value: null }];
    const bytes = encodeRecordBatch([{ key: null, value: null, headers, timestamp: 0 }]);
    expect(decodeRecordBatch(bytes).records[0]!.headers).toEqual(headers);
  });
});
