/**
 * readRecords: a batch's records one at a time. It yields exactly what decodeRecordBatch returns, builds only the
 * records it is asked for (a record it never reaches is never decoded, so a reader of one record of a huge batch
 * pays for one), and makes the whole-batch checks when it reaches the end.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../lib/format/crc32c.js";
import { FormatError } from "../../../lib/format/errors.js";
import {
  BATCH_CRC_START,
  decodeRecordBatch,
  encodeRecordBatch,
  type RecordReader,
  readRecords,
} from "../../../lib/format/record-batch.js";
import { Compression, type DecodedRecord, type RecordInput } from "../../../lib/format/types.js";
import { recordArb, utf8 } from "./support.js";

const codecArb = fc.constantFrom(Compression.none, Compression.gzip, Compression.snappy, Compression.lz4);

function drain(reader: RecordReader, minOffsetDelta = 0): { records: DecodedRecord[]; sizes: number[] } {
  const records: DecodedRecord[] = [];
  const sizes: number[] = [];
  for (let r = reader.next(minOffsetDelta); r !== undefined; r = reader.next(minOffsetDelta)) {
    records.push(r);
    sizes.push(reader.size);
  }
  return { records, sizes };
}

/** The batch with its CRC recomputed after `edit`, so only the record checks can catch the change. */
function edited(batch: Uint8Array, edit: (bytes: Uint8Array, view: DataView) => void): Uint8Array {
  const copy = batch.slice();
  const view = new DataView(copy.buffer);
  edit(copy, view);
  view.setUint32(17, crc32c(copy, BATCH_CRC_START, copy.length));
  return copy;
}

const threeRecords = () =>
  encodeRecordBatch(
    [0, 1, 2].map((i): RecordInput => ({ key: null, value: utf8(`v${i}a`), headers: [], timestamp: 1000 + i })),
  );

describe("readRecords", () => {
  it("yields decodeRecordBatch's records and sizes, for every codec; from an offset delta, the rest of them", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb(), { minLength: 1, maxLength: 12 }),
        codecArb,
        fc.nat({ max: 14 }),
        (records, compression, from) => {
          const bytes = encodeRecordBatch(records, { compression, baseOffset: 7 });
          const whole = decodeRecordBatch(bytes);
          const read = drain(readRecords(bytes));
          expect(read.records).toEqual(whole.records);
          expect(read.sizes).toEqual(whole.recordSizes);
          const rest = drain(readRecords(bytes), from);
          expect(rest.records).toEqual(whole.records.slice(from));
          expect(rest.sizes).toEqual(whole.recordSizes.slice(from));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("decodes only the records it is asked for: a broken later record does not stop a read of the first", () => {
    // the last record's value length (3 bytes before its value and header count) now runs past the record
    const bytes = edited(threeRecords(), (b) => {
      b[b.length - 5] = 2 * 4;
    });
    expect(() => decodeRecordBatch(bytes)).toThrow(FormatError);
    const reader = readRecords(bytes);
    expect(reader.header.recordCount).toBe(3);
    expect(reader.next()).toMatchObject({ offset: 0, value: utf8("v0a") });
    expect(reader.next()).toMatchObject({ offset: 1, value: utf8("v1a") });
    expect(() => reader.next()).toThrow(FormatError);
  });

  it("makes the whole-batch checks when it reaches the end", () => {
    // two records declared, three in the section: the third is bytes after the last record
    const bytes = edited(threeRecords(), (_, view) => {
      view.setInt32(57, 2); // recordCount
      view.setInt32(23, 1); // lastOffsetDelta
    });
    expect(() => decodeRecordBatch(bytes)).toThrow(/follow the last record/);
    const reader = readRecords(bytes);
    expect(reader.next()?.offset).toBe(0);
    expect(reader.next()?.offset).toBe(1);
    expect(() => reader.next()).toThrow(/follow the last record/);
  });

  it("steps over records below the offset delta asked for, still checking them", () => {
    const bytes = edited(threeRecords(), (b) => {
      b[b.length - 5] = 2 * 4;
    });
    // the broken last record is stepped over, not built, but it is still walked and refused
    expect(() => readRecords(bytes).next(3)).toThrow(FormatError);
    expect(readRecords(threeRecords()).next(2)).toMatchObject({ offset: 2, value: utf8("v2a") });
    expect(readRecords(threeRecords()).next(3)).toBeUndefined();
  });

  it("opens with the same up-front checks as decodeRecordBatch: a bad CRC or a second batch", () => {
    const bytes = threeRecords();
    const bad = bytes.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => readRecords(bad)).toThrow(/CRC/);
    expect(readRecords(bad, { verifyCrc: false }).next()?.offset).toBe(0);
    const two = new Uint8Array(bytes.length * 2);
    two.set(bytes);
    two.set(bytes, bytes.length);
    expect(() => readRecords(two)).toThrow(/one batch/);
  });
});
