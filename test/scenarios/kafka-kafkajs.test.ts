/**
 * kafkajs 2.x, a Kafka client nobody here wrote, against the real server on both backends: an idempotent producer
 * with gzip, snappy and lz4 (kafkajs ships only gzip: the other two are plugged in from lib/format's codecs), read
 * back over HTTP with the same keys, values, headers and timestamps; and its admin's offset lookups (ListOffsets).
 * kafkajs's consumer always joins a consumer group, which the Kafka listener does not serve yet ([kafka-groups]).
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lz4Compress, lz4Decompress } from "../../lib/format/lz4.js";
import { snappyCompress, snappyDecompress } from "../../lib/format/snappy.js";
import { backends } from "../support/backends.js";
import { type KafkaTestServer, startKafkaServer, topicName } from "./kafka-support.js";

const require = createRequire(import.meta.url);
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require("kafkajs");

const MAX = 64 * 1024 * 1024;
const codec =
  (compress: (b: Uint8Array) => Uint8Array, decompress: (b: Uint8Array, max: number) => Uint8Array) => () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.from(compress(encoder.buffer)),
    decompress: async (buffer: Buffer) => Buffer.from(decompress(buffer, MAX)),
  });
CompressionCodecs[CompressionTypes.Snappy] = codec(snappyCompress, snappyDecompress);
CompressionCodecs[CompressionTypes.LZ4] = codec(lz4Compress, lz4Decompress);

describe.each(backends)("kafkajs against Strata on $name", (backend) => {
  let server: KafkaTestServer;
  // biome-ignore lint/suspicious/noExplicitAny: kafkajs has no types in this project
  let kafka: any;
  beforeAll(async () => {
    server = await startKafkaServer(backend);
    kafka = new Kafka({ clientId: "strata-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => server?.dispose());

  it("an idempotent producer with gzip, snappy and lz4 is read back identically over HTTP", async () => {
    const topic = topicName("kjs");
    await server.log.createTopic(topic, 2);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const base = Date.now() - 5000;
    try {
      const codecs = [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4];
      for (const [c, compression] of codecs.entries()) {
        const sent = await producer.send({
          topic,
          compression,
          messages: Array.from({ length: 10 }, (_, i) => ({
            partition: 1,
            key: `k${c}-${i}`,
            value: `v${c}-${i} ${"y".repeat(100)}`,
            headers: { h: `${c}` },
            timestamp: String(base + c * 100 + i),
          })),
        });
        expect(sent).toEqual([
          expect.objectContaining({ topicName: topic, partition: 1, errorCode: 0, baseOffset: String(c * 10) }),
        ]);
      }
    } finally {
      await producer.disconnect();
    }
    const http = await server.api.get(`/v1/topics/${topic}/partitions/1/records?offset=0&maxRecords=100`);
    expect(
      http.body.records.map(
        (r: { offset: number; key: string; value: string; timestamp: number; headers: unknown }) => [
          r.offset,
          r.key,
          r.value,
          r.timestamp,
          r.headers,
        ],
      ),
    ).toEqual(
      Array.from({ length: 30 }, (_, n) => {
        const c = Math.floor(n / 10);
        const i = n % 10;
        return [n, `k${c}-${i}`, `v${c}-${i} ${"y".repeat(100)}`, base + c * 100 + i, [{ name: "h", value: `${c}` }]];
      }),
    );
  });

  it("its admin finds offsets: earliest, latest and by timestamp", async () => {
    const topic = topicName("kjs-admin");
    await server.log.createTopic(topic, 1);
    const base = Date.now() - 60_000;
    await server.api.post(`/v1/topics/${topic}/records`, {
      records: Array.from({ length: 4 }, (_, i) => ({ value: `${i}`, timestamp: base + i * 1000, partition: 0 })),
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: "4", high: "4", low: "0" }]);
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 1500)).toEqual([{ partition: 0, offset: "2" }]);
    } finally {
      await admin.disconnect();
    }
  });
});
