/**
 * An acknowledged Kafka produce survives kill -9: what `npm start` runs (node scripts/start.mjs) is spawned with
 * its Kafka listener on a free port, kafkajs produces with acks=all, the process is killed with SIGKILL right
 * after the acknowledgement, and a restart on the same data directory serves every acknowledged record, over
 * Kafka and over HTTP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = new URL("../..", import.meta.url).pathname;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "strata-kafka-kill9-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

/** Start what `npm start` runs, HTTP and Kafka on free ports; wait for both addresses. */
async function start(): Promise<{ child: ChildProcess; url: string; bootstrap: string }> {
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", STRATA_KAFKA_PORT: "0", STRATA_DATA_DIR: dataDir, HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stderr!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const url = out.match(/listening on (http:\/\/\S+)/)?.[1];
      const bootstrap = out.match(/bootstrap (\S+)/)?.[1];
      if (url && bootstrap) {
        clearTimeout(timer);
        resolve({ child, url, bootstrap });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

const kafkaOf = (bootstrap: string) =>
  new Kafka({ clientId: "kill9", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });

it("keeps every record a Kafka produce acknowledged (acks=all) across kill -9", async () => {
  const first = await start();
  const kafka = kafkaOf(first.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "durable", numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const values = Array.from({ length: 50 }, (_, i) => `acked-${i}`);
  for (let i = 0; i < values.length; i += 10) {
    await producer.send({
      topic: "durable",
      acks: -1,
      messages: values.slice(i, i + 10).map((value, j) => ({ key: `k${(i + j) % 7}`, value })),
    });
  }
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));
  await producer.disconnect().catch(() => {});

  const second = await start();
  const admin2 = kafkaOf(second.bootstrap).admin();
  await admin2.connect();
  const offsets = await admin2.fetchTopicOffsets("durable");
  await admin2.disconnect();
  expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(values.length);

  const read: string[] = [];
  for (const p of [0, 1]) {
    const res = await fetch(`${second.url}/v1/topics/durable/partitions/${p}/records?offset=0&maxRecords=100`);
    const body = (await res.json()) as { records: { value: string }[] };
    read.push(...body.records.map((r) => r.value));
  }
  expect(read.sort()).toEqual([...values].sort());
  second.child.kill("SIGTERM");
  await new Promise((r) => second.child.once("exit", r));
}, 120_000);
