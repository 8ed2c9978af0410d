/**
 * Cross-check with an independent implementation: kafkajs's RecordBatch v2 encoder and decoder (uncompressed and gzip;
 * kafkajs ships no snappy or lz4). kafkajs must read our bytes and we must read kafkajs's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecordBatch, encodeRecordBatch } from "../../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../../lib/format/types.js";
import { asKafkajs, kafkajs, recordArb } from "./support.js";

const kafkajsDecode = (bytes: Uint8Array) => kafkajs.decode(new kafkajs.Decoder(Buffer.from(bytes)));

/**
 * kafkajs folds headers into a plain object and its decoder looks names up there without an own-property check,
 * so a header named "valueOf" or "__proto__" (fast-check generates such names now and then, on purpose) meets an
 * inherited member inside kafkajs, and integer-like names ("0") move to the front of the object, changing the
 * order kafkajs writes. The cross-check therefore uses unique names that are neither Object.prototype members nor
 * integer-like; our own round-trip properties cover every name and keep the order.
 */
const uniqueHeaders = (r: RecordInput): RecordInput => {
  const seen = new Set<string>();
  return {
    ...r,
    headers: r.headers.filter(
      (h) => !(h.name in Object.prototype) && !/^\d+$/.test(h.name) && !seen.has(h.name) && seen.add(h.name),
    ),
  };
};

const kafkajsRecordsArb = fc
  .array(recordArb(), { minLength: 1, maxLength: 8 })
  .map((rs) => rs.map(uniqueHeaders).map((r) => ({ ...r, timestamp: r.timestamp + 1 })));

async function encodeWithKafkajs(records: RecordInput[], compression: number, firstOffset: number) {
  const firstTimestamp = records[0]!.timestamp;
  const kRecords = records.map((r, i) =>
    kafkajs.Record({
      offsetDelta: i,
      timestampDelta: r.timestamp - firstTimestamp,
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: Object.fromEntries(r.headers.map((h) => [h.name, h.value === null ? null : Buffer.from(h.value)])),
    }),
  );
  const batch = await kafkajs.RecordBatch({
    compression,
    firstOffset: String(firstOffset),
    firstTimestamp,
    maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
    lastOffsetDelta: records.length - 1,
    partitionLeaderEpoch: 0,
    records: kRecords,
  });
  return new Uint8Array(batch.buffer);
}

describe("kafkajs cross-check", () => {
  for (const [name, codec] of [
    ["uncompressed", Compression.none],
    ["gzip", Compression.gzip],
  ] as const) {
    it(`${name}: kafkajs decodes our batches to the same records`, async () => {
      await fc.assert(
        fc.asyncProperty(kafkajsRecordsArb, fc.nat({ max: 1_000_000 }), async (records, baseOffset) => {
          const bytes = encodeRecordBatch(records, { compression: codec, baseOffset });
          const theirs = await kafkajsDecode(bytes);
          const ours = decodeRecordBatch(bytes).records;
          expect(theirs.firstOffset).toBe(String(baseOffset));
          expect(
            theirs.records.map(({ offset, timestamp, key, value, headers }) => ({
              offset,
              timestamp,
              key,
              value,
              headers,
            })),
          ).toEqual(asKafkajs(ours));
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: we decode kafkajs's batches to the same records`, async () => {
      await fc.assert(
        fc.asyncProperty(kafkajsRecordsArb, fc.nat({ max: 1_000_000 }), async (input, baseOffset) => {
          // kafkajs's encoder cannot write a null header value (it sizes it with Buffer.byteLength)
          const records = input.map((r) => ({
            ...r,
            headers: r.headers.map((h) => ({ name: h.name, value: h.value ?? new Uint8Array(0) })),
          }));
          const bytes = await encodeWithKafkajs(records, codec, baseOffset);
          const { header, records: ours } = decodeRecordBatch(bytes); // CRC verified: kafkajs computes CRC-32C too
          expect(header.compression).toBe(codec);
          expect(ours).toEqual(records.map((r, i) => ({ offset: baseOffset + i, ...r })));
        }),
        { numRuns: 40 },
      );
    });
  }

  it("the same records give byte-identical uncompressed batches apart from defaults we choose differently", async () => {
    const records: RecordInput[] = [
      {
        key: Buffer.from("k"),
        value: Buffer.from("v"),
        headers: [{ name: "h", value: Buffer.from("x") }],
        timestamp: 5,
      },
      { key: null, value: null, headers: [], timestamp: 9 },
    ].map((r) => ({
      ...r,
      key: r.key && new Uint8Array(r.key),
      value: r.value && new Uint8Array(r.value),
    })) as RecordInput[];
    const theirs = await encodeWithKafkajs(records, Compression.none, 0);
    // kafkajs defaults producerEpoch/baseSequence to 0 and leader epoch to what we passed (0); we use -1 (Kafka's "none").
    const ours = encodeRecordBatch(records, { producerEpoch: 0, baseSequence: 0, partitionLeaderEpoch: 0 });
    expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
  });
});
