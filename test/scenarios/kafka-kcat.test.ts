/**
 * kcat (librdkafka), a Kafka client nobody here wrote, against the real server on both backends: metadata, produce
 * with keys, headers and each codec, consume from beginning/end/an offset/a time; records cross over between kcat
 * and the HTTP API unchanged (offsets, keys, headers, timestamps), and kcat's murmur2 partitioner puts keyed
 * records where the HTTP API does. Two servers over one aws backend serve one client as one cluster.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../lib/server/server.js";
import { aws, backends } from "../support/backends.js";
import { requireBinary } from "../support/binaries.js";
import { type KafkaTestServer, startKafkaServer, topicName } from "./kafka-support.js";

const kcat = requireBinary("kcat", "/usr/bin/kcat");

interface KcatRecord {
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

function run(bootstrap: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(kcat.path, ["-b", bootstrap, ...args], { timeout: 60_000 }, (e, out, err) =>
      e ? reject(new Error(`kcat ${args.join(" ")}: ${e.message}\n${err}`)) : resolve(out),
    );
    child.stdin!.end(input ?? "");
  });
}

const consume = async (bootstrap: string, topic: string, args: string[]): Promise<KcatRecord[]> =>
  (await run(bootstrap, ["-C", "-t", topic, "-e", "-J", "-q", ...args]))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as KcatRecord)
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);

const suite = kcat.available ? describe : describe.skip;

suite.each(backends)("kcat against Strata on $name", (backend) => {
  let server: KafkaTestServer;
  beforeAll(async () => {
    server = await startKafkaServer(backend);
  });
  afterAll(async () => server?.dispose());

  it("-L shows the listener as the one broker and leader of every partition", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 3);
    const meta = JSON.parse(await run(server.bootstrap, ["-L", "-J", "-t", topic]));
    const [host, port] = server.bootstrap.split(":");
    expect(meta.brokers).toEqual([{ id: expect.any(Number), name: `${host}:${port}` }]);
    const t = meta.topics.find((x: { topic: string }) => x.topic === topic);
    expect(t.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader])).toEqual(
      [0, 1, 2].map((p) => [p, meta.brokers[0].id]),
    );
  });

  it("-P with keys, headers and each codec is read identically over HTTP, and back by -C", async () => {
    for (const codec of ["none", "gzip", "snappy", "lz4"]) {
      const topic = topicName(codec);
      await server.log.createTopic(topic, 1);
      const lines = Array.from({ length: 20 }, (_, i) => `key${i}:value ${i} ${"x".repeat(i * 10)}`).join("\n");
      await run(
        server.bootstrap,
        ["-P", "-t", topic, "-p", "0", "-K:", "-H", "h1=one", "-H", "h2=two", "-z", codec],
        lines,
      );
      const http = await server.api.get(`/v1/topics/${topic}/partitions/0/records?offset=0&maxRecords=100`);
      expect(http.status).toBe(200);
      const records = http.body.records as {
        offset: number;
        key: string;
        value: string;
        timestamp: number;
        headers: unknown[];
      }[];
      expect(records.map((r) => [r.offset, r.key, r.value])).toEqual(
        Array.from({ length: 20 }, (_, i) => [i, `key${i}`, `value ${i} ${"x".repeat(i * 10)}`]),
      );
      expect(records[0]!.headers).toEqual([
        { name: "h1", value: "one" },
        { name: "h2", value: "two" },
      ]);
      const back = await consume(server.bootstrap, topic, ["-o", "beginning"]);
      expect(back.map((r) => [r.offset, r.key, r.payload, r.ts, r.headers])).toEqual(
        records.map((r) => [r.offset, r.key, r.value, r.timestamp, ["h1", "one", "h2", "two"]]),
      );
    }
  });

  it("records produced over HTTP are read by -C from beginning, end, an offset and a time", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 1);
    const base = Date.now() - 10_000;
    const produced = await server.api.post(`/v1/topics/${topic}/records`, {
      records: Array.from({ length: 5 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        headers: [{ name: "n", value: `${i}` }],
        timestamp: base + i * 1000,
        partition: 0,
      })),
    });
    expect(produced.status).toBe(200);
    const all = await consume(server.bootstrap, topic, ["-o", "beginning"]);
    expect(all.map((r) => [r.offset, r.key, r.payload, r.ts, r.headers])).toEqual(
      Array.from({ length: 5 }, (_, i) => [i, `k${i}`, `v${i}`, base + i * 1000, ["n", `${i}`]]),
    );
    expect((await consume(server.bootstrap, topic, ["-o", "3"])).map((r) => r.offset)).toEqual([3, 4]);
    expect(await consume(server.bootstrap, topic, ["-o", "end"])).toEqual([]);
    expect((await consume(server.bootstrap, topic, ["-o", `s@${base + 2500}`])).map((r) => r.offset)).toEqual([3, 4]);
  });

  it("keyed records from kcat's murmur2 partitioner land where the HTTP API puts them", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 4);
    const keys = Array.from({ length: 24 }, (_, i) => `user-${i}`);
    await run(
      server.bootstrap,
      ["-P", "-t", topic, "-K:", "-X", "partitioner=murmur2_random"],
      keys.map((k) => `${k}:kcat`).join("\n"),
    );
    const viaHttp = await server.api.post(`/v1/topics/${topic}/records`, {
      records: keys.map((k) => ({ key: k, value: "http" })),
    });
    const httpPartition = new Map(keys.map((k, i) => [k, viaHttp.body.offsets[i].partition as number]));
    const read = await consume(server.bootstrap, topic, ["-o", "beginning"]);
    const kcatPartition = new Map(read.filter((r) => r.payload === "kcat").map((r) => [r.key, r.partition]));
    expect(new Set(httpPartition.values()).size).toBeGreaterThan(1);
    expect(Object.fromEntries(kcatPartition)).toEqual(Object.fromEntries(httpPartition));
  });
});

suite("two servers over one aws backend", () => {
  it("form one cluster: a client bootstrapped to both produces and consumes through either", async () => {
    const storage = await aws.open();
    const start = () =>
      startServer({
        port: 0,
        kafkaPort: 0,
        maintenanceIntervalMs: 0,
        strata: { storage: { backend: "opened", storage: { ledger: storage.ledger, store: storage.store } } },
      });
    const [a, b] = await Promise.all([start(), start()]);
    try {
      const topic = topicName("two");
      await a.log.createTopic(topic, 4);
      const both = `${a.kafka!.bootstrap},${b.kafka!.bootstrap}`;
      const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
      await run(
        both,
        ["-P", "-t", topic, "-K:", "-X", "partitioner=murmur2_random"],
        keys.map((k) => `${k}:x`).join("\n"),
      );
      for (const via of [a.kafka!.bootstrap, b.kafka!.bootstrap]) {
        const read = await consume(via, topic, ["-o", "beginning"]);
        expect(read.map((r) => r.key).sort()).toEqual([...keys].sort());
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await storage.cleanup();
    }
  });
});
