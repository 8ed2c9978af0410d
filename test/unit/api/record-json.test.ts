/**
 * A JSON fetch answer's records are written as UTF-8 JSON directly: the text must parse to exactly the record's JSON
 * shape, and be byte for byte what JSON.stringify gives for it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type RecordText, recordToJsonText } from "../../../lib/api/codec.js";
import { answerBytes, fetchAnswerText, fetchResultToText, trimToBudget } from "../../../lib/api/convert.js";
import type { Encoding } from "../../../lib/api/schemas.js";
import type { FetchedRecord } from "../../../lib/log/types.js";

const written = (r: RecordText) => Buffer.from(answerBytes([r])).toString("utf8");

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);

describe("a fetched record as JSON text", () => {
  const record = {
    offset: 12,
    timestamp: 1_700_000_000_000,
    key: text('quote " backslash \\ and é'),
    value: bytes(0xff, 0xfe, 0x00),
    headers: [
      { name: 'trace "id"', value: text("t-1") },
      { name: "empty", value: null },
      { name: "ctl", value: bytes(1, 2, 3, 4, 5, 6) },
    ],
  };

  it("in utf8 gives text where the bytes are UTF-8 and base64 (listed) elsewhere", () => {
    expect(JSON.parse(written(recordToJsonText(record, "utf8")))).toEqual({
      offset: 12,
      timestamp: 1_700_000_000_000,
      key: 'quote " backslash \\ and é',
      value: Buffer.from([0xff, 0xfe, 0x00]).toString("base64"),
      headers: [
        { name: 'trace "id"', value: "t-1" },
        { name: "empty", value: null },
        { name: "ctl", value: Buffer.from([1, 2, 3, 4, 5, 6]).toString("base64") },
      ],
      base64: ["value", "headers[2]"],
    });
  });

  it("in base64 encodes every byte field and lists none", () => {
    const json = JSON.parse(written(recordToJsonText({ ...record, key: null }, "base64")));
    expect(json.key).toBeNull();
    expect(Buffer.from(json.value, "base64")).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    expect(json.base64).toBeUndefined();
  });

  it("trimming a text answer moves nextOffset back and the answer parses with its topic and partition", () => {
    const records = [0, 1, 2].map((offset) => ({ ...record, offset, key: null, headers: [] }));
    const answer = fetchResultToText({ records, nextOffset: 3, highWatermark: 3, logStartOffset: 0 }, "base64");
    trimToBudget([answer], answer.records[0]!.bytes * 2 + 2, 0);
    const parsed = JSON.parse(
      Buffer.from(answerBytes(fetchAnswerText({ topic: 'a"b', partition: 4, ...answer }))).toString(),
    );
    expect(parsed.topic).toBe('a"b');
    expect(parsed.partition).toBe(4);
    expect(parsed.records.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    expect(parsed.nextOffset).toBe(2);
  });
});

/** The record's JSON as JSON.stringify writes it: the object, built field by field (the reference). */
function stringified(record: FetchedRecord, enc: Encoding): string {
  const base64: string[] = [];
  const field = (b: Uint8Array | null, name: string): string | null => {
    if (b === null) return null;
    const b64 = Buffer.from(b).toString("base64");
    if (enc === "base64") return b64;
    let jsonSize = b.length;
    for (const c of b) jsonSize += c < 0x20 ? 5 : c === 0x22 || c === 0x5c ? 1 : 0;
    if (jsonSize <= Math.ceil(b.length / 3) * 4) {
      try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b);
      } catch {}
    }
    base64.push(name);
    return b64;
  };
  const json = {
    offset: record.offset,
    timestamp: record.timestamp,
    key: field(record.key, "key"),
    value: field(record.value, "value"),
    headers: record.headers.map((h, i) => ({ name: h.name, value: field(h.value, `headers[${i}]`) })),
  };
  return JSON.stringify(base64.length > 0 ? { ...json, base64 } : json);
}

describe("a fetched record written as JSON", () => {
  const byteField = fc.option(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: "grapheme" }).map((s) => new TextEncoder().encode(s)),
      fc
        .string({
          unit: fc.constantFrom("a", '"', "\\", "\n", "\t", "\u0001", "\u001f", "\u007f", "é", "\u2028", "\ufeff"),
        })
        .map((s) => new TextEncoder().encode(s)),
      // a view into a larger buffer, as records read from a batch are
      fc.uint8Array({ minLength: 4, maxLength: 40 }).map((b) => b.subarray(2)),
    ),
  );
  const record = fc.record({
    offset: fc.nat(),
    timestamp: fc.integer({ min: -1, max: 2 ** 45 }),
    key: byteField,
    value: byteField,
    headers: fc.array(fc.record({ name: fc.string({ unit: "grapheme", maxLength: 8 }), value: byteField }), {
      maxLength: 3,
    }),
  });

  it("is byte for byte JSON.stringify of its JSON shape, with its exact size, in either encoding", () => {
    fc.assert(
      fc.property(record, fc.constantFrom<Encoding>("utf8", "base64"), (r, enc) => {
        const text = recordToJsonText(r, enc);
        const bytes = answerBytes([text]);
        expect(bytes.length).toBe(text.bytes);
        expect(Buffer.from(bytes).equals(Buffer.from(stringified(r, enc)))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
