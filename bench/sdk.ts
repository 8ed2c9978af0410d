/**
 * SDK figures through a real local server (embedded backend in a temp dir, loopback HTTP):
 * - producer throughput: records/s of Producer.send with linger (many sends in flight, the binary media type, one
 *   request per partition batch), beside the baseline of one record per request (each send awaited, lingerMs 0);
 * - producerRequests (called by http.ts): the binary path as [http] measures JSON produce, one request of
 *   `values.length` records at a time, encoding included;
 * - end-to-end latency: a record produced (send resolves) until a running group-less consumer's handler sees it,
 *   p50 and p99, one record at a time so each sample is one produce plus one long-poll wake-up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Strata } from "../client/src/index.js";
import { startServer } from "../lib/server/server.js";
import { timed } from "./support.js";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function producerThroughput(
  strata: Strata,
  topic: string,
  records: number,
  lingerMs: number,
  valueBytes: number,
  oneAtATime: boolean,
) {
  const producer = strata.producer({ lingerMs, compression: "none" });
  const value = "x".repeat(valueBytes);
  const started = performance.now();
  if (oneAtATime) {
    for (let i = 0; i < records; i++) await producer.send(topic, { key: `k${i % 64}`, value });
  } else {
    // Many small sends in flight at once, as an application issues them: batching is the producer's job.
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < records; i++) sends.push(producer.send(topic, { key: `k${i % 64}`, value }));
    await Promise.all(sends);
  }
  await producer.close();
  const seconds = (performance.now() - started) / 1000;
  return {
    records,
    lingerMs,
    valueBytes,
    oneAtATime,
    seconds: round(seconds),
    recordsPerSecond: Math.round(records / seconds),
  };
}

async function endToEnd(strata: Strata, topic: string, samples: number) {
  const waiting = new Map<string, (t: number) => void>();
  const consumer = strata.consumer({ maxWaitMs: 5000 });
  consumer.assign([{ topic, partition: 0, offset: "latest" }]);
  await consumer.run({
    eachMessage: ({ message }) => {
      waiting.get(message.value!.toString())?.(performance.now());
    },
  });
  await new Promise((r) => setTimeout(r, 300)); // the consumer's first long poll is in place
  const producer = strata.producer({ lingerMs: 0 });
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const id = `m${i}`;
    const seen = new Promise<number>((resolve) => waiting.set(id, resolve));
    const sent = performance.now();
    await producer.send(topic, { value: id, partition: 0 });
    latencies.push((await seen) - sent);
    waiting.delete(id);
  }
  await producer.close();
  await consumer.close();
  latencies.sort((a, b) => a - b);
  return { samples, p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)) };
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * `requests` sequential requests of values.length records each to `topic` partition 0 through the SDK producer
 * (idempotent, no compression, one batch a request: flush sends at once), encoding included.
 */
export async function producerRequests(url: string, topic: string, requests: number, values: Uint8Array[]) {
  const producer = new Strata({ url }).producer({ lingerMs: 60_000, batchSize: 4 * 1024 * 1024, compression: "none" });
  try {
    // the producer id and a kept-alive connection, outside the timing
    const warm = producer.send(topic, { value: "warm-up", partition: 0 });
    await producer.flush();
    await warm;
    return await timed(requests, async () => {
      const sent = producer.send(
        topic,
        values.map((value) => ({ value, partition: 0 })),
      );
      await producer.flush();
      return (await sent).length;
    });
  } finally {
    await producer.close();
  }
}

export async function benchSdk(quick: boolean): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), "strata-bench-sdk-"));
  const server = await startServer({ port: 0, dataDir, closeGraceMs: 200 });
  try {
    const strata = new Strata({ url: server.url });
    const admin = strata.admin();
    await admin.createTopic("bench-linger", { partitions: 4 });
    await admin.createTopic("bench-nolinger", { partitions: 4 });
    await admin.createTopic("bench-e2e", { partitions: 1 });
    const n = quick ? 5_000 : 50_000;
    const withLinger = await producerThroughput(strata, "bench-linger", n, 5, 100, false);
    const noLinger = await producerThroughput(strata, "bench-nolinger", quick ? 300 : 2_000, 0, 100, true);
    const latency = await endToEnd(strata, "bench-e2e", quick ? 50 : 500);
    return {
      producer: {
        withLinger,
        oneRecordPerRequest: noLinger,
        lingerSpeedup: round(withLinger.recordsPerSecond / noLinger.recordsPerSecond),
      },
      endToEnd: latency,
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
