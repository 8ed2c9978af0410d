/**
 * Cross-checks between client families nobody here wrote: records produced by kcat (librdkafka), kafkajs,
 * @platformatic/kafka and the HTTP API are read back byte-identical (key, value, headers) by kcat, by
 * @platformatic/kafka's group-less fetch and over HTTP; keyed records partitioned by kafkajs's murmur2 land where
 * the HTTP API puts the same keys; kcat's zstd batches are read back over HTTP (@platformatic/kafka cannot write
 * zstd on Node 20). kafkajs reads nothing here: its consumer needs consumer groups over the protocol.
 */
import { execFile } from "node:child_process";
import { Consumer, Producer } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../support/binaries.js";
import { startTestServer, type TestServer } from "./http-support.js";
import { fetchPartitionZero } from "./platformatic-support.js";

const kcat = requireBinary("kcat", "/usr/bin/kcat");
type Rec = { key: string; value: string; headers: [string, string][] };

/** 10 records with UTF-8 beyond ASCII, keys, and two headers, one family's tag in the value */
const recordsOf = (family: string): Rec[] =>
  Array.from({ length: 10 }, (_, i) => ({
    key: `k${i}`,
    value: `${family} ü→${i} ${"x".repeat(i * 7)}`,
    headers: [
      ["h1", `one-${i}`],
      ["h2", "zwei"],
    ],
  }));

function runKcat(bootstrap: string, args: string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(kcat.path, ["-b", bootstrap, ...args], { timeout: 60_000 }, (e, out, err) =>
      e ? reject(new Error(`kcat ${args.join(" ")}: ${e.message}\n${err}`)) : resolve(out),
    );
    child.stdin!.end(input);
  });
}

let server: TestServer;
const bootstrap = () => server.kafka!.bootstrap;

beforeAll(async () => {
  server = await startTestServer({ kafkaPort: 0, maintenanceIntervalMs: 0 });
});
afterAll(() => server?.dispose());

const producers: Record<string, (topic: string, recs: Rec[]) => Promise<void>> = {
  async kcat(topic, recs) {
    for (const r of recs) {
      const args = ["-P", "-t", topic, "-p", "0", "-K", "\t"];
      for (const [k, v] of r.headers) args.push("-H", `${k}=${v}`);
      await runKcat(bootstrap(), args, `${r.key}\t${r.value}\n`);
    }
  },
  async kafkajs(topic, recs) {
    const producer = new Kafka({ brokers: [bootstrap()], logLevel: logLevel.NOTHING }).producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: recs.map((r) => ({ key: r.key, value: r.value, partition: 0, headers: Object.fromEntries(r.headers) })),
    });
    await producer.disconnect();
  },
  async platformatic(topic, recs) {
    const producer = new Producer({ clientId: "cross", bootstrapBrokers: [bootstrap()], idempotent: true });
    await producer.send({
      messages: recs.map((r) => ({
        topic,
        partition: 0,
        key: Buffer.from(r.key),
        value: Buffer.from(r.value),
        headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
      })),
    });
    await producer.close();
  },
  async http(topic, recs) {
    const res = await fetch(`${server.url}/v1/topics/${topic}/partitions/0/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        records: recs.map((r) => ({
          key: r.key,
          value: r.value,
          headers: r.headers.map(([name, value]) => ({ name, value })),
        })),
      }),
    });
    expect(res.status).toBe(200);
  },
};

const readers: Record<string, (topic: string) => Promise<Rec[]>> = {
  async kcat(topic) {
    const out = await runKcat(bootstrap(), ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-J"]);
    return out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { key: string; payload: string; headers?: string[] })
      .map((j) => {
        const h = j.headers ?? [];
        const headers: [string, string][] = [];
        for (let i = 0; i < h.length; i += 2) headers.push([h[i]!, h[i + 1]!]);
        return { key: j.key, value: j.payload, headers };
      });
  },
  async platformatic(topic) {
    const consumer = new Consumer({ clientId: "cross", bootstrapBrokers: [bootstrap()], groupId: "unused" });
    try {
      const { records } = await fetchPartitionZero(consumer, topic);
      const text = (b: Buffer | null | undefined) => Buffer.from(b ?? []).toString("utf8");
      return records.map((r) => ({
        key: text(r.key),
        value: text(r.value),
        headers: r.headers.map(([k, v]) => [text(k), text(v)] as [string, string]),
      }));
    } finally {
      await consumer.close();
    }
  },
  async http(topic) {
    const res = await fetch(`${server.url}/v1/topics/${topic}/partitions/0/records?offset=0&maxRecords=100`);
    const body = (await res.json()) as {
      records: { key: string; value: string; headers: { name: string; value: string }[] }[];
    };
    return body.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers.map((h) => [h.name, h.value]) }));
  },
};

describe.skipIf(!kcat.available)("client families read each other's records byte-identical", () => {
  for (const family of Object.keys(producers)) {
    it(`records produced by ${family} are read identically by kcat, @platformatic/kafka and HTTP`, async () => {
      const topic = `cross-${family}`;
      await server.log.createTopic(topic, 1);
      const written = recordsOf(family);
      await producers[family]!(topic, written);
      for (const [reader, read] of Object.entries(readers)) {
        expect({ reader, records: await read(topic) }).toEqual({ reader, records: written });
      }
    });
  }

  it("kafkajs's murmur2 partitioner puts keyed records where the HTTP API puts the same keys", async () => {
    await server.log.createTopic("cross-keys", 6);
    const keys = Array.from({ length: 40 }, (_, i) => `customer-${i * 37}`);
    const producer = new Kafka({ brokers: [bootstrap()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const sent = await producer.send({
      topic: "cross-keys",
      acks: -1,
      messages: keys.map((key) => ({ key, value: "v" })),
    });
    await producer.disconnect();
    expect(sent.length).toBeGreaterThan(1); // one answer per partition written: the keys spread
    const viaKafka: number[] = [];
    for (let p = 0; p < 6; p++) {
      const r = await fetch(`${server.url}/v1/topics/cross-keys/partitions/${p}/records?offset=0&maxRecords=100`);
      const b = (await r.json()) as { records: { key: string }[] };
      for (const rec of b.records) viaKafka[keys.indexOf(rec.key)] = p;
    }
    const res = await fetch(`${server.url}/v1/topics/cross-keys/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: keys.map((key) => ({ key, value: "v" })) }),
    });
    const body = (await res.json()) as { offsets: { partition: number }[] };
    const viaHttp = body.offsets.map((o) => o.partition);
    expect(viaKafka).toEqual(viaHttp);
  });

  it("kcat's zstd batches are stored as written and read back over HTTP and by kcat", async () => {
    await server.log.createTopic("cross-zstd", 1);
    const lines = Array.from({ length: 30 }, (_, i) => `z${i}:zstd value ${i} ${"y".repeat(100)}`);
    await runKcat(bootstrap(), ["-P", "-t", "cross-zstd", "-p", "0", "-K:", "-z", "zstd"], `${lines.join("\n")}\n`);
    const expected = lines.map((l) => ({ key: l.split(":")[0]!, value: l.slice(l.indexOf(":") + 1), headers: [] }));
    expect(await readers.http!("cross-zstd")).toEqual(expected);
    expect(await readers.kcat!("cross-zstd")).toEqual(expected);
  });
});
