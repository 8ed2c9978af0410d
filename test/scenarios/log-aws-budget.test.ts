/**
 * The request budget on AWS, counted below the SDK's retry layer so retries cannot hide growth, and the SDK-level
 * faults the emulators never produce on their own (throttling, transaction conflicts, timeouts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLog, type Log } from "../../lib/log/log.js";
import { countRequests, injectFaults, type RequestCounter } from "../support/aws-middleware.js";
import { aws, type TestStorage } from "../support/backends.js";

const enc = new TextEncoder();
let n = 0;
const topicName = () => `budget-${Date.now().toString(36)}-${n++}`;

describe("request budget on AWS", () => {
  let storage: TestStorage;
  let counter: RequestCounter;
  let log: Log;
  beforeAll(async () => {
    storage = await aws.open();
    counter = countRequests(storage.aws!.s3, storage.aws!.dynamodb);
    log = createLog({ ledger: storage.ledger, store: storage.store });
  });
  afterAll(() => storage.cleanup());

  it("warm produce of one batch to one partition: 1 PutObject and 1 TransactWriteItems, no reads", async () => {
    const topic = topicName();
    await log.createTopic(topic, 3);
    await log.produce(topic, [{ key: null, value: enc.encode("warm-up"), partition: 1 }]);
    counter.reset();
    const batch = Array.from({ length: 100 }, (_, i) => ({ key: null, value: enc.encode(`r${i}`), partition: 1 }));
    await log.produce(topic, batch);
    expect(counter.byOperation()).toEqual({ PutObject: 1, TransactWriteItems: 1 });
  });

  it("a cold produce to a fresh partition needs no read either", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    const cold = createLog({ ledger: storage.ledger, store: storage.store });
    await cold.describeTopic(topic);
    counter.reset();
    await cold.produce(topic, [{ key: null, value: enc.encode("x"), partition: 0 }]);
    expect(counter.byOperation()).toEqual({ PutObject: 1, TransactWriteItems: 1 });
  });

  it("a cold produce to a partition with data: one failed attempt teaches the head, no read", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    await log.produce(topic, [{ key: null, value: enc.encode("x"), partition: 0 }]);
    const cold = createLog({ ledger: storage.ledger, store: storage.store });
    await cold.describeTopic(topic);
    counter.reset();
    await cold.produce(topic, [{ key: null, value: enc.encode("y"), partition: 0 }]);
    expect(counter.byOperation()).toEqual({ PutObject: 1, TransactWriteItems: 2 });
  });

  it("fetch of one batch: at most 2 ledger requests and 1 GetObject", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    await log.produce(
      topic,
      Array.from({ length: 50 }, (_, i) => ({ key: null, value: enc.encode(`r${i}`), partition: 0 })),
    );
    const reader = createLog({ ledger: storage.ledger, store: storage.store });
    await reader.describeTopic(topic);
    counter.reset();
    const read = await reader.fetch(topic, 0, { offset: 10 });
    expect(read.records).toHaveLength(40);
    expect(counter.byOperation()).toEqual({ GetItem: 1, Query: 1, GetObject: 1 });
  });

  it("fetch across many small objects: one GetObject per object touched, bounded per fetch", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    for (let i = 0; i < 70; i++) await log.produce(topic, [{ key: null, value: enc.encode(`r${i}`), partition: 0 }]);
    const reader = createLog({ ledger: storage.ledger, store: storage.store });
    await reader.describeTopic(topic);
    counter.reset();
    const read = await reader.fetch(topic, 0, { offset: 0, maxRecords: 10 });
    expect(read.records).toHaveLength(10);
    expect(counter.byOperation()).toEqual({ GetItem: 1, Query: 1, GetObject: 10 });
    counter.reset();
    const all = await reader.fetch(topic, 0, { offset: 0, maxRecords: 10_000 });
    expect(all.records).toHaveLength(64); // MAX_ENTRIES_PER_FETCH bounds one fetch
    expect(counter.count("GetObject")).toBe(64);
    expect(counter.count("Query") + counter.count("GetItem")).toBe(2);
  });

  it("produce rides out throttling and transaction conflicts, without duplicates", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    const faults = injectFaults(storage.aws!.dynamodb, [
      { operation: "TransactWriteItems", kind: "throughputExceeded" },
      { operation: "TransactWriteItems", kind: "transactionConflict" },
    ]);
    const s3faults = injectFaults(storage.aws!.s3, [{ operation: "PutObject", kind: "slowDown" }]);
    try {
      await log.produce(topic, [{ key: null, value: enc.encode("x"), partition: 0 }]);
    } finally {
      faults.remove();
      s3faults.remove();
    }
    expect(faults.injected).toHaveLength(2);
    expect(s3faults.injected).toHaveLength(1);
    const read = await log.fetch(topic, 0, { offset: 0 });
    expect(read.records).toHaveLength(1);
  });

  it("a commit that applied but timed out is neither lost nor duplicated", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    await log.produce(topic, [{ key: null, value: enc.encode("first"), partition: 0 }]);
    const faults = injectFaults(storage.aws!.dynamodb, [
      { operation: "TransactWriteItems", kind: "timeout", when: "after", times: 3 },
    ]);
    let outcome: unknown;
    try {
      outcome = await log.produce(topic, [{ key: null, value: enc.encode("second"), partition: 0 }]);
    } catch (e) {
      outcome = e;
    } finally {
      faults.remove();
    }
    const read = await log.fetch(topic, 0, { offset: 0 });
    expect(read.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(["first", "second"]);
    expect(outcome).toMatchObject({ results: [{ partition: 0, offset: 1 }] });
  });

  it("a non-retriable error surfaces and writes nothing visible", async () => {
    const topic = topicName();
    await log.createTopic(topic, 1);
    const faults = injectFaults(storage.aws!.dynamodb, [{ operation: "TransactWriteItems", kind: "validation" }]);
    try {
      await expect(log.produce(topic, [{ key: null, value: enc.encode("x"), partition: 0 }])).rejects.toMatchObject({
        retriable: false,
      });
    } finally {
      faults.remove();
    }
    expect((await log.describeTopic(topic)).partitions[0]!.highWatermark).toBe(0);
  });
});
