/** The byte fixtures that lock the encoding: inputs here, bytes in test/fixtures/format/<name>.bin. */
import type { EncodeOptions } from "../../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../../lib/format/types.js";
import { utf8 } from "./support.js";

export interface FixtureCase {
  name: string;
  description: string;
  options: EncodeOptions;
  records: RecordInput[];
}

const T = 1_700_000_000_000;

const mixed: RecordInput[] = [
  {
    key: utf8("user-1"),
    value: utf8('{"event":"login","ok":true}'),
    headers: [
      { name: "trace-id", value: utf8("abc123") },
      { name: "empty", value: null },
    ],
    timestamp: T,
  },
  { key: null, value: utf8("no key"), headers: [], timestamp: T + 5 },
  { key: utf8("user-1"), value: null, headers: [], timestamp: T + 3 },
];

const jsonish = (i: number) =>
  utf8(JSON.stringify({ id: i, user: `user-${i % 17}`, action: ["view", "click", "buy"][i % 3], amount: i * 1.5 }));

const many: RecordInput[] = Array.from({ length: 50 }, (_, i) => ({
  key: utf8(`key-${i % 7}`),
  value: jsonish(i),
  headers: i % 10 === 0 ? [{ name: "n", value: utf8(String(i)) }] : [],
  timestamp: T + i * 10,
}));

export const FIXTURE_CASES: FixtureCase[] = [
  {
    name: "uncompressed-mixed",
    description: "3 records: key+value+2 headers (one null-valued), null key, tombstone (null value); no compression",
    options: { baseOffset: 0 },
    records: mixed,
  },
  {
    name: "uncompressed-idempotent",
    description: "1 record with producerId 1234, epoch 3, baseSequence 42, leader epoch 7, baseOffset 1000",
    options: { baseOffset: 1000, producerId: 1234, producerEpoch: 3, baseSequence: 42, partitionLeaderEpoch: 7 },
    records: [{ key: utf8("k"), value: utf8("v"), headers: [], timestamp: T }],
  },
  {
    name: "gzip-multi",
    description: "50 JSON records, gzip (level 6)",
    options: { compression: Compression.gzip },
    records: many,
  },
  {
    name: "lz4-multi",
    description: "50 JSON records, lz4 frame (FLG 0x60 BD 0x40, as Kafka writes)",
    options: { compression: Compression.lz4 },
    records: many,
  },
  {
    name: "snappy-multi",
    description: "50 JSON records, xerial-framed snappy (as Kafka's Java client writes)",
    options: { compression: Compression.snappy },
    records: many,
  },
  {
    name: "uncompressed-multi",
    description: "the same 50 JSON records uncompressed",
    options: {},
    records: many,
  },
];
