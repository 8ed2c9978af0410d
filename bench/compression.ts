/**
 * Compression codecs on the benchmark case: batches of 1000 JSON-ish records of about 1 KiB.
 * Run: npx tsx bench/compression.ts
 * Prints, per codec, compress and decompress MB/s of the records section (MB of uncompressed bytes per second),
 * the compression ratio, and full batch encode/decode MB/s (records in -> bytes -> records out, CRC included),
 * then the same figures as ratios to gzip measured in this run (docs/FORMAT.md quotes those).
 */
import { compress, decompress } from "../lib/format/compression.js";
import { BATCH_HEADER_SIZE, decodeRecordBatch, encodeRecordBatch } from "../lib/format/record-batch.js";
import { Compression, type CompressionCodec, type RecordInput } from "../lib/format/types.js";

/** Deterministic PRNG (mulberry32) so every run measures the same bytes. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "alpha beta gamma delta order user cart checkout search view click basket price item shipped paid refunded".split(
    " ",
  );

/** A JSON event of about 1 KiB: repeated field names, varied values, some free text, ids and numbers. */
function jsonRecord(r: () => number, i: number): Uint8Array {
  const pick = () => WORDS[Math.floor(r() * WORDS.length)]!;
  const event = {
    id: `evt-${i}-${Math.floor(r() * 1e9).toString(36)}`,
    ts: 1_700_000_000_000 + i * 37,
    type: pick(),
    user: { id: Math.floor(r() * 100000), name: `${pick()}_${pick()}`, country: ["DE", "FR", "US", "JP", "BR"][i % 5] },
    items: Array.from({ length: 1 + Math.floor(r() * 4) }, () => ({
      sku: `SKU-${Math.floor(r() * 1e6)}`,
      qty: 1 + Math.floor(r() * 5),
      price: Math.round(r() * 100000) / 100,
    })),
    note: Array.from({ length: 20 + Math.floor(r() * 20) }, pick).join(" "),
    session: Math.floor(r() * 2 ** 52).toString(16),
  };
  let s = JSON.stringify(event);
  while (s.length < 1024) s = s.slice(0, -1) + `,"pad${s.length}":"${pick()}${Math.floor(r() * 1e6)}"}`;
  return new TextEncoder().encode(s.slice(0, 1023) + "}");
}

function makeBatch(seed: number): RecordInput[] {
  const r = rng(seed);
  return Array.from({ length: 1000 }, (_, i) => ({
    key: new TextEncoder().encode(`user-${Math.floor(r() * 5000)}`),
    value: jsonRecord(r, i),
    headers: [{ name: "content-type", value: new TextEncoder().encode("application/json") }],
    timestamp: 1_700_000_000_000 + i,
  }));
}

/** Runs f until at least `ms` have passed (and at least 3 times); returns seconds per call. */
function time(f: () => void, ms = 700): number {
  f(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (n < 3 || elapsed < ms) {
    f();
    n++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / 1000 / n;
}

const records = makeBatch(42);
const plainBatch = encodeRecordBatch(records);
const section = plainBatch.subarray(BATCH_HEADER_SIZE);
const mb = section.length / 1e6;
const codecs: [string, CompressionCodec][] = [
  ["none", Compression.none],
  ["gzip", Compression.gzip],
  ["snappy", Compression.snappy],
  ["lz4", Compression.lz4],
];

interface Row {
  codec: string;
  compressMBs: number;
  decompressMBs: number;
  ratio: number;
  encodeMBs: number;
  decodeMBs: number;
}
const rows: Row[] = [];
for (const [name, codec] of codecs) {
  const packed = compress(codec, section);
  const batch = encodeRecordBatch(records, { compression: codec });
  rows.push({
    codec: name,
    compressMBs: mb / time(() => compress(codec, section)),
    decompressMBs: mb / time(() => decompress(codec, packed)),
    ratio: section.length / packed.length,
    encodeMBs: mb / time(() => encodeRecordBatch(records, { compression: codec })),
    decodeMBs: mb / time(() => decodeRecordBatch(batch)),
  });
}

const fmt = (v: number, d = 1) => v.toFixed(d).padStart(9);
console.log(`records section: ${section.length} bytes (1000 records, ~1 KiB JSON each); node ${process.version}`);
console.log("codec       compress  decompress    ratio   batch-encode batch-decode   (MB/s of uncompressed bytes)");
for (const r of rows) {
  console.log(
    `${r.codec.padEnd(8)} ${fmt(r.compressMBs)} ${fmt(r.decompressMBs)}   ${fmt(r.ratio, 2)}   ${fmt(r.encodeMBs)}    ${fmt(r.decodeMBs)}`,
  );
}
const gzip = rows.find((r) => r.codec === "gzip")!;
console.log("\nas ratios to gzip (same run):");
console.log("codec       compress  decompress    ratio   batch-encode batch-decode");
for (const r of rows) {
  console.log(
    `${r.codec.padEnd(8)} ${fmt(r.compressMBs / gzip.compressMBs, 2)} ${fmt(r.decompressMBs / gzip.decompressMBs, 2)}   ${fmt(r.ratio / gzip.ratio, 2)}   ${fmt(r.encodeMBs / gzip.encodeMBs, 2)}    ${fmt(r.decodeMBs / gzip.decodeMBs, 2)}`,
  );
}
