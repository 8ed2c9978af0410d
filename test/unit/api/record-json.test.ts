/** A JSON fetch answer's records are built as text directly: the text must parse to exactly the record's JSON shape. */
import { describe, expect, it } from "vitest";
import { recordToJsonText } from "../../../lib/api/codec.js";
import { fetchAnswerText, fetchResultToText, trimToBudget } from "../../../lib/api/convert.js";

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
    expect(JSON.parse(recordToJsonText(record, "utf8"))).toEqual({
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
    const json = JSON.parse(recordToJsonText({ ...record, key: null }, "base64"));
    expect(json.key).toBeNull();
    expect(Buffer.from(json.value, "base64")).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    expect(json.base64).toBeUndefined();
  });

  it("trimming a text answer moves nextOffset back and the answer parses with its topic and partition", () => {
    const records = [0, 1, 2].map((offset) => ({ ...record, offset, key: null, headers: [] }));
    const answer = fetchResultToText({ records, nextOffset: 3, highWatermark: 3, logStartOffset: 0 }, "base64");
    trimToBudget([answer], answer.records[0]!.bytes * 2 + 2, 0);
    const parsed = JSON.parse(fetchAnswerText({ topic: 'a"b', partition: 4, ...answer }));
    expect(parsed.topic).toBe('a"b');
    expect(parsed.partition).toBe(4);
    expect(parsed.records.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    expect(parsed.nextOffset).toBe(2);
  });
});
