/**
 * Kafka listener figures, one run, one server (embedded backend, temp dir, loopback), ratios in the same run:
 * - produce: kafkajs and @platformatic/kafka (each: acks all, no compression) sending 1 KiB records as one ~1 MiB batch to each of 4 partitions
 *   per request, vs the SDK's binary produce over HTTP of the same records (batchSize 1 MiB, 4 partitions), vs
 *   the Redis Streams baseline (XADD, appendfsync always) with the same record size and one client;
 * - consume: kcat (librdkafka, group-less, -o beginning -e) reading the Kafka-produced records back, vs the SDK
 *   consumer (assigned partitions) reading the SDK-produced ones. Skipped with a note when kcat is absent.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Producer } from "@platformatic/kafka";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import { Strata } from "../client/src/index.js";
import { startServer } from "../lib/server/server.js";
import { benchRedis } from "./redis.js";
import { type Figures, now, recordValue, round, timed } from "./support.js";

const PARTITIONS = 4;
/** 1 KiB records per partition batch: about 1 MiB */
const PER_BATCH = 1000;

const ratio = (a: number, b: number | undefined) => (b ? round(a / b) : null);

export async function benchKafka(quick: boolean): Promise<Record<string, unknown>> {
  const requests = quick ? 3 : 15;
  const values = Array.from({ length: PER_BATCH }, (_, i) => Buffer.from(recordValue(i)));
  const dataDir = await mkdtemp(join(tmpdir(), "strata-bench-kafka-"));
  const server = await startServer({ port: 0, kafkaPort: 0, dataDir, maintenanceIntervalMs: 0, logLevel: "warn" });
  try {
    await server.log.createTopic("kafka", PARTITIONS);
    await server.log.createTopic("sdk", PARTITIONS);
    const kafkaProduce = await kafkajsProduce(server.kafka!.bootstrap, requests, values);
    const platformaticProduce = await platformaticProducer(server.kafka!.bootstrap, requests, values);
    const sdkProduce = await sdkBinaryProduce(server.url, requests, values);
    const redis = await benchRedis(requests * PARTITIONS, values);
    const total = requests * PARTITIONS * PER_BATCH;
    // kafkajs's and @platformatic/kafka's records, and the two warm-up records
    const kafkaConsume = await kcatConsume(server.kafka!.bootstrap, 2 * total);
    const sdkConsume = await sdkConsumer(server.url, total);
    const peer = "skipped" in redis ? undefined : redis.produce;
    return {
      records: { perPartitionBatch: PER_BATCH, partitions: PARTITIONS, requests, recordBytes: 1024 },
      produce: { kafkajs: kafkaProduce, platformatic: platformaticProduce, sdkBinaryHttp: sdkProduce, redis },
      consume: { kcat: kafkaConsume, sdkConsumer: sdkConsume },
      ratios: {
        kafkaProduceToSdkProduce: ratio(kafkaProduce.recordsPerSec, sdkProduce.recordsPerSec),
        kafkaProduceToRedis: ratio(kafkaProduce.recordsPerSec, peer?.recordsPerSec),
        platformaticProduceToSdkProduce: ratio(platformaticProduce.recordsPerSec, sdkProduce.recordsPerSec),
        platformaticProduceToRedis: ratio(platformaticProduce.recordsPerSec, peer?.recordsPerSec),
        kafkaConsumeToSdkConsume:
          "skipped" in kafkaConsume ? null : ratio(kafkaConsume.recordsPerSec, sdkConsume.recordsPerSec),
      },
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function kafkajsProduce(bootstrap: string, requests: number, values: Buffer[]): Promise<Figures> {
  const kafka = new Kafka({ clientId: "bench", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic: "kafka", messages: [{ value: "warm-up", partition: 0 }] });
    const messages = Array.from({ length: PARTITIONS }, (_, p) =>
      values.map((value) => ({ value, partition: p })),
    ).flat();
    return await timed(requests, async () => {
      await producer.send({ topic: "kafka", acks: -1, compression: CompressionTypes.None, messages });
      return messages.length;
    });
  } finally {
    await producer.disconnect();
  }
}

async function platformaticProducer(bootstrap: string, requests: number, values: Buffer[]): Promise<Figures> {
  const producer = new Producer({ clientId: "bench", bootstrapBrokers: [bootstrap], acks: -1, compression: "none" });
  try {
    await producer.send({ messages: [{ topic: "kafka", partition: 0, value: Buffer.from("warm-up") }] });
    const messages = Array.from({ length: PARTITIONS }, (_, p) =>
      values.map((value) => ({ topic: "kafka", partition: p, value })),
    ).flat();
    return await timed(requests, async () => {
      await producer.send({ messages });
      return messages.length;
    });
  } finally {
    await producer.close();
  }
}

async function sdkBinaryProduce(url: string, requests: number, values: Buffer[]): Promise<Figures> {
  const producer = new Strata({ url }).producer({ lingerMs: 60_000, batchSize: 1100 * 1024, compression: "none" });
  try {
    const warm = producer.send("sdk", { value: "warm-up", partition: 0 });
    await producer.flush();
    await warm;
    const records = Array.from({ length: PARTITIONS }, (_, p) =>
      values.map((value) => ({ value, partition: p })),
    ).flat();
    return await timed(requests, async () => {
      const sent = producer.send("sdk", records);
      await producer.flush();
      return (await sent).length;
    });
  } finally {
    await producer.close();
  }
}

async function kcatConsume(
  bootstrap: string,
  total: number,
): Promise<{ recordsPerSec: number; seconds: number } | { skipped: string }> {
  if (!existsSync("/usr/bin/kcat")) return { skipped: "kcat is not installed" };
  const started = now();
  const lines = await new Promise<number>((resolve, reject) => {
    const args = ["-b", bootstrap, "-C", "-t", "kafka", "-o", "beginning", "-e", "-q", "-f", "%o\\n"];
    const child = spawn("/usr/bin/kcat", args, { stdio: ["ignore", "pipe", "inherit"] });
    let count = 0;
    child.stdout.on("data", (c: Buffer) => {
      for (const b of c) if (b === 10) count++;
    });
    child.on("error", reject);
    child.on("close", () => resolve(count));
  });
  const seconds = (now() - started) / 1000;
  // the warm-up record is one more
  if (lines < total) return { skipped: `kcat read ${lines} of ${total} records` };
  return { recordsPerSec: round(lines / seconds, 0), seconds: round(seconds) };
}

async function sdkConsumer(url: string, total: number): Promise<{ recordsPerSec: number; seconds: number }> {
  const consumer = new Strata({ url }).consumer({ maxWaitMs: 100 });
  consumer.assign(
    Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: "sdk", partition, offset: "earliest" as const })),
  );
  const started = now();
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= total) resolve();
      },
    });
  });
  const seconds = (now() - started) / 1000;
  await consumer.close();
  return { recordsPerSec: round(seen / seconds, 0), seconds: round(seconds) };
}
