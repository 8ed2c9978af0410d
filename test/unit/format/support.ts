/** Shared helpers for the format tests: record arbitraries, JSON <-> record conversion, kafkajs internals. */
import { createRequire } from "node:module";
import fc from "fast-check";
import { crc32c } from "../../../lib/format/crc32c.js";
import { BATCH_CRC_START, BATCH_HEADER_SIZE, LOG_OVERHEAD } from "../../../lib/format/record-batch.js";
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

/**
 * `batch` (one encoded batch) with its records section replaced by `section`, as another encoder would have
 * written it: the batch length and the CRC are recomputed, the header (codec included) is kept.
 */
export function withRecordsSection(batch: Uint8Array, section: Uint8Array): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_SIZE + section.length);
  out.set(batch.subarray(0, BATCH_HEADER_SIZE));
  out.set(section, BATCH_HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setInt32(8, out.length - LOG_OVERHEAD); // batchLength
  view.setUint32(17, crc32c(out, BATCH_CRC_START));
  return out;
}

/**
 * A zstd frame WITHOUT a content size (as a streaming encoder writes), of RLE blocks: `blocks` blocks of
 * `blockBytes` copies of `byte`, 4 bytes each. Built by hand, so it is an encoder independent of the WASM one.
 */
export function rleFrame(blocks: number, blockBytes: number, byte = 0x61): Uint8Array {
  const out = new Uint8Array(6 + 4 * blocks);
  new DataView(out.buffer).setUint32(0, 0xfd2fb528, true);
  out[4] = 0x00; // no content size, no checksum, no dictionary, not single-segment
  out[5] = 11 << 3; // window descriptor: 2^(10+11) = 2 MiB
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const header = (blockBytes << 3) | (1 << 1) | last; // type 1: RLE
    const at = 6 + 4 * i;
    out[at] = header & 0xff;
    out[at + 1] = (header >> 8) & 0xff;
    out[at + 2] = (header >> 16) & 0xff;
    out[at + 3] = byte;
  }
  return out;
}
