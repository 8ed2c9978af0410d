/**
 * encodeRecordBatch with explicit offset deltas and lastOffsetDelta: what compaction writes. A compacted batch keeps
 * its base offset, its records' offsets (with gaps) and its original last offset, as Kafka's cleaner does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../lib/errors.js";
import { decodeRecordBatch, encodeRecordBatch, readBatchHeader } from "../../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../../lib/format/types.js";
import { recordArb } from "./support.js";

const rec = (v: string, timestamp = 1000): RecordInput => ({
  key: new TextEncoder().encode(`k-${v}`),
  value: new TextEncoder().encode(v),
  headers: [],
  timestamp,
});

describe("encodeRecordBatch with offset deltas", () => {
  it("keeps the given offsets and lastOffsetDelta through a round trip, for every codec", () => {
    const arb = fc
      .array(fc.tuple(recordArb(), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 10 })
      .chain((rs) =>
        fc.record({
          rs: fc.constant(rs),
          tail: fc.nat({ max: 50 }),
          base: fc.nat({ max: 2 ** 40 }),
          codec: fc.constantFrom(Compression.none, Compression.gzip, Compression.snappy, Compression.lz4),
        }),
      );
    fc.assert(
      fc.property(arb, ({ rs, tail, base, codec }) => {
        const records = rs.map(([r]) => r);
        // Rising deltas from the step sizes (the first may be > 0: the batch's first records were removed).
        const deltas: number[] = [];
        let d = -1;
        for (const [, step] of rs) {
          d += step;
          deltas.push(d);
        }
        const lastOffsetDelta = d + tail;
        const bytes = encodeRecordBatch(records, {
          baseOffset: base,
          offsetDeltas: deltas,
          lastOffsetDelta,
          compression: codec,
        });
        const { header, records: decoded } = decodeRecordBatch(bytes);
        expect(header.baseOffset).toBe(base);
        expect(header.lastOffsetDelta).toBe(lastOffsetDelta);
        expect(header.recordCount).toBe(records.length);
        expect(decoded.map((r) => r.offset)).toEqual(deltas.map((x) => base + x));
        expect(decoded.map(({ offset: _, ...r }) => r)).toEqual(records);
      }),
      { numRuns: 150 },
    );
  });

  it("defaults: lastOffsetDelta is the last record's delta; no deltas means 0..n-1", () => {
    const gaps = readBatchHeader(encodeRecordBatch([rec("a"), rec("b")], { offsetDeltas: [3, 9] }));
    expect(gaps.lastOffsetDelta).toBe(9);
    expect(gaps.recordCount).toBe(2);
    const plain = encodeRecordBatch([rec("a"), rec("b"), rec("c")]);
    expect(readBatchHeader(plain).lastOffsetDelta).toBe(2);
    expect(encodeRecordBatch([rec("a"), rec("b"), rec("c")], { offsetDeltas: [0, 1, 2] })).toEqual(plain);
  });

  it("rejects deltas that do not rise, do not match the records, or pass lastOffsetDelta", () => {
    const two = [rec("a"), rec("b")];
    expect(() => encodeRecordBatch(two, { offsetDeltas: [2, 2] })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { offsetDeltas: [3, 1] })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { offsetDeltas: [-1, 1] })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { offsetDeltas: [0] })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { offsetDeltas: [0, 5], lastOffsetDelta: 4 })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { lastOffsetDelta: 0 })).toThrow(InvalidArgumentError);
    expect(() => encodeRecordBatch(two, { offsetDeltas: [0, 5], baseOffset: Number.MAX_SAFE_INTEGER - 4 })).toThrow(
      InvalidArgumentError,
    );
  });
});
