/**
 * The Kafka listener on the aws backend (S3 + DynamoDB emulators): two servers over one bucket and table form one
 * cluster for a client bootstrapped to both, and a Kafka produce costs the storage requests an HTTP produce of
 * the same records costs (one object PUT per request, one ledger write per partition), counted below the SDK's
 * retries as test/scenarios/log-aws-budget.test.ts counts them.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../lib/server/server.js";
import { countRequests, type RequestCounter } from "../support/aws-middleware.js";
import { aws, type TestStorage } from "../support/backends.js";
import { client } from "./http-support.js";
import { topicName } from "./kafka-support.js";

let storage: TestStorage;
let counter: RequestCounter;
let a: RunningServer;
let b: RunningServer;

const serve = () =>
  startServer({
    port: 0,
    kafkaPort: 0,
    maintenanceIntervalMs: 0,
    logLevel: "warn",
    strata: { storage: { backend: "opened", storage: { ledger: storage.ledger, store: storage.store } } },
  });

beforeAll(async () => {
  storage = await aws.open();
  counter = countRequests(storage.aws!.s3, storage.aws!.dynamodb);
  a = await serve();
  b = await serve();
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await storage?.cleanup();
});

const kafkaOf = (...brokers: string[]) =>
  new Kafka({ clientId: "aws-test", brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });

describe("Kafka listener on the aws backend", () => {
  it("two servers on one backend serve one client bootstrapped to both, each seeing the other's writes", async () => {
    expect(a.kafka!.bootstrap).not.toBe(b.kafka!.bootstrap);
    const topic = topicName("two");
    const both = kafkaOf(a.kafka!.bootstrap, b.kafka!.bootstrap);
    const admin = both.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = both.producer({ idempotent: true });
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `two-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
    await producer.disconnect();
    await admin.disconnect();

    // each server alone, over Kafka and over HTTP, sees every record
    for (const server of [a, b]) {
      const only = kafkaOf(server.kafka!.bootstrap).admin();
      await only.connect();
      const offsets = await only.fetchTopicOffsets(topic);
      await only.disconnect();
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(values.length);
      const http = client(server.url);
      const read: string[] = [];
      for (const p of [0, 1]) {
        const answer = await http.get(`/v1/topics/${topic}/partitions/${p}/records?offset=0&maxRecords=100`);
        read.push(...answer.body.records.map((r: { value: string }) => r.value));
      }
      expect(read.sort()).toEqual([...values].sort());
    }
  });

  it("a Kafka produce costs what the same HTTP produce costs: one PutObject, one ledger write per partition", async () => {
    const topic = topicName("budget");
    await a.log.createTopic(topic, 2);
    const producer = kafkaOf(a.kafka!.bootstrap).producer();
    await producer.connect();
    const http = client(a.url);
    const records = Array.from({ length: 40 }, (_, i) => ({ value: `r${i}`, partition: i % 2 }));
    try {
      // warm both paths (metadata, connections, partition heads)
      await producer.send({ topic, acks: -1, messages: records });
      expect((await http.post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);

      counter.reset();
      await producer.send({ topic, acks: -1, messages: records });
      const overKafka = counter.byOperation();

      counter.reset();
      expect((await http.post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);
      const overHttp = counter.byOperation();

      expect(overKafka).toEqual(overHttp);
      expect(overKafka).toEqual({ PutObject: 1, TransactWriteItems: 2 });
    } finally {
      await producer.disconnect();
    }
  });
});
