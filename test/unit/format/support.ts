/** Shared helpers for the format tests: record arbitraries, JSON <-> record conversion, kafkajs internals. */
import { createRequire } from "node:module";
import fc from "fast-check";
import type { RecordInput } from "../../../lib/format/types.js";

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });

export const recordArb = (maxBytes = 64): fc.Arbitrary<RecordInput> =>
  fc.record({
    key: fc.option(bytesArb(maxBytes), { nil: null }),
    value: fc.option(bytesArb(maxBytes * 4), { nil: null }),
    headers: fc.array(
      fc.record({
        name: fc.string({ maxLength: 12, unit: "grapheme" }),
        value: fc.option(bytesArb(16), { nil: null }),
      }),
      { maxLength: 3 },
    ),
    // anything from before the epoch to far in the future, plus deltas beyond 32 bits
    timestamp: fc.integer({ min: -1, max: 2 ** 45 }),
  });

/** JSON form of a record for fixtures: bytes as base64. */
export interface JsonRecord {
  key: string | null;
  value: string | null;
  headers: { name: string; value: string | null }[];
  timestamp: number;
}

const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("base64"));
const unb64 = (s: string | null) => (s === null ? null : new Uint8Array(Buffer.from(s, "base64")));

export const toJson = (r: RecordInput): JsonRecord => ({
  key: b64(r.key),
  value: b64(r.value),
  headers: r.headers.map((h) => ({ name: h.name, value: b64(h.value) })),
  timestamp: r.timestamp,
});

export const fromJson = (r: JsonRecord): RecordInput => ({
  key: unb64(r.key),
  value: unb64(r.value),
  headers: r.headers.map((h) => ({ name: h.name, value: unb64(h.value) })),
  timestamp: r.timestamp,
});

// kafkajs is CommonJS; its RecordBatch v2 encoder/decoder live under src/protocol/recordBatch.
const require = createRequire(import.meta.url);
export const kafkajs = {
  RecordBatch: require("kafkajs/src/protocol/recordBatch/v0").RecordBatch as (
    args: Record<string, unknown>,
  ) => Promise<{
    buffer: Buffer;
  }>,
  Record: require("kafkajs/src/protocol/recordBatch/record/v0") as (args: Record<string, unknown>) => unknown,
  decode: require("kafkajs/src/protocol/recordBatch/v0/decoder") as (decoder: unknown) => Promise<KafkajsBatch>,
  Decoder: require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => unknown,
};

export interface KafkajsBatch {
  firstOffset: string;
  maxTimestamp: string;
  records: {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | Buffer[] | null>;
  }[];
}

/** Our records in kafkajs's decoded shape (headers folded into an object, duplicates into arrays). */
export function asKafkajs(records: (RecordInput & { offset: number })[]) {
  return records.map((r) => {
    const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
    for (const h of r.headers) {
      const v = h.value === null ? null : Buffer.from(h.value);
      const prev = Object.hasOwn(headers, h.name) ? headers[h.name] : undefined;
      headers[h.name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return {
      offset: String(r.offset),
      timestamp: String(r.timestamp),
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers,
    };
  });
}
