/**
 * The AWS request middleware and what it shows about the adapters: strongly consistent reads, the SDK's
 * retry absorbing throttling and conflicts (each attempt counted), and errors that are not retriable
 * reaching the caller at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConditionFailedError } from "../../../lib/storage/ledger.js";
import { countRequests, type FaultRule, injectFaults } from "../../support/aws-middleware.js";
import { type AwsTestStorage, awsTestStorage } from "../../support/aws-storage.js";

let aws: AwsTestStorage;
beforeAll(async () => {
  aws = await awsTestStorage();
});
afterAll(() => aws?.cleanup());

/** Prepare faults on a client for the duration of one test body. */
async function withFaults<T>(
  client: Parameters<typeof injectFaults>[0],
  rules: FaultRule[],
  body: (counter: ReturnType<typeof countRequests>) => Promise<T>,
): Promise<T> {
  const faults = injectFaults(client, rules);
  const counter = countRequests(client);
  try {
    return await body(counter);
  } finally {
    faults.remove();
    counter.remove();
  }
}

const key = (pk: string, sk: string) => ({ pk, sk });

describe("consistent reads", () => {
  it("every GetItem and Query carries ConsistentRead: true", async () => {
    const counter = countRequests(aws.dynamodb);
    try {
      await aws.ledger.write({ type: "put", key: key("c1", "a"), attrs: { v: 1 } });
      await aws.ledger.get(key("c1", "a"));
      await aws.ledger.get(key("c1", "missing"));
      await aws.ledger.query("c1");
      await aws.ledger.query("c1", { gt: "a", lt: "z", reverse: true, limit: 1 });
      await aws.ledger.query("c1", { beginsWith: "a" });
      const reads = counter.attempts.filter((a) => a.operation === "GetItem" || a.operation === "Query");
      expect(reads.length).toBe(5);
      for (const read of reads) expect(read.input.ConsistentRead).toBe(true);
    } finally {
      counter.remove();
    }
  });
});

describe("counting", () => {
  it("sees one request per write and read on the happy path", async () => {
    const counter = countRequests(aws.s3, aws.dynamodb);
    try {
      await aws.store.put("count/a", new Uint8Array([1, 2, 3]));
      await aws.ledger.write({ type: "put", key: key("n1", "a"), attrs: {} });
      await aws.store.get("count/a", { start: 0, end: 2 });
      await aws.ledger.query("n1", { limit: 1 });
      expect(counter.byOperation()).toEqual({ PutObject: 1, PutItem: 1, GetObject: 1, Query: 1 });
      expect(counter.total()).toBe(4);
      counter.reset();
      expect(counter.total()).toBe(0);
    } finally {
      counter.remove();
    }
  });
});

describe("retries through the SDK", () => {
  it("one injected throttle costs one extra attempt and the write succeeds", async () => {
    await withFaults(aws.dynamodb, [{ operation: "PutItem", kind: "throughputExceeded" }], async (counter) => {
      await aws.ledger.write({ type: "put", key: key("r1", "a"), attrs: { v: 1 }, condition: { op: "notExists" } });
      expect(counter.count("PutItem")).toBe(2);
    });
    expect((await aws.ledger.get(key("r1", "a")))?.attrs).toEqual({ v: 1 });
  });

  it("retries ThrottlingException, InternalServerError and timeouts on reads", async () => {
    await aws.ledger.write({ type: "put", key: key("r2", "a"), attrs: { v: 2 } });
    const rules: FaultRule[] = [
      { operation: "GetItem", kind: "throttling" },
      { operation: "Query", kind: "internalError" },
      { operation: "Query", kind: "timeout" },
    ];
    await withFaults(aws.dynamodb, rules, async (counter) => {
      expect((await aws.ledger.get(key("r2", "a")))?.attrs).toEqual({ v: 2 });
      expect((await aws.ledger.query("r2")).length).toBe(1);
      expect(counter.byOperation()).toEqual({ GetItem: 2, Query: 3 });
    });
  });

  it("retries a transaction cancelled by a conflict (it wrote nothing)", async () => {
    const ops = [
      { type: "put" as const, key: key("r3", "a"), attrs: { v: 1 }, condition: { op: "notExists" as const } },
      { type: "put" as const, key: key("r3", "b"), attrs: { v: 2 }, condition: { op: "notExists" as const } },
    ];
    await withFaults(aws.dynamodb, [{ operation: "TransactWriteItems", kind: "transactionConflict" }], async (c) => {
      await aws.ledger.transact(ops);
      expect(c.count("TransactWriteItems")).toBe(2);
    });
    expect((await aws.ledger.query("r3")).map((i) => i.attrs.v)).toEqual([1, 2]);
  });

  it("surfaces persistent conflicts and throttling as retriable errors once the SDK gives up", async () => {
    const op = { type: "put" as const, key: key("r4", "a"), attrs: {} };
    await withFaults(
      aws.dynamodb,
      [{ operation: "TransactWriteItems", kind: "transactionConflict", times: Number.POSITIVE_INFINITY }],
      async (counter) => {
        const error = await aws.ledger.transact([op]).catch((e) => e);
        expect(error).toMatchObject({ code: "CONCURRENT_MODIFICATION", retriable: true });
        expect(counter.count("TransactWriteItems")).toBe(4);
      },
    );
    await withFaults(
      aws.s3,
      [{ operation: "PutObject", kind: "slowDown", times: Number.POSITIVE_INFINITY }],
      async (counter) => {
        const error = await aws.store.put("r4/x", new Uint8Array([1])).catch((e) => e);
        expect(error).toMatchObject({ code: "THROTTLED", retriable: true });
        expect(error.cause?.name).toBe("SlowDown");
        expect(counter.count("PutObject")).toBe(4);
      },
    );
  });

  it("S3 SlowDown and timeouts are retried by the SDK", async () => {
    const rules: FaultRule[] = [
      { operation: "PutObject", kind: "slowDown" },
      { operation: "GetObject", kind: "timeout" },
    ];
    await withFaults(aws.s3, rules, async (counter) => {
      await aws.store.put("r5/a", new Uint8Array([9, 8, 7]));
      expect(await aws.store.get("r5/a")).toEqual(new Uint8Array([9, 8, 7]));
      expect(counter.byOperation()).toEqual({ PutObject: 2, GetObject: 2 });
    });
  });

  it("errors that are not transient are not retried and reach the caller as non-retriable", async () => {
    await withFaults(aws.dynamodb, [{ operation: "PutItem", kind: "validation" }], async (counter) => {
      const error = await aws.ledger.write({ type: "put", key: key("r6", "a"), attrs: {} }).catch((e) => e);
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT", retriable: false });
      expect(counter.count("PutItem")).toBe(1);
    });
    await withFaults(aws.s3, [{ operation: "PutObject", kind: "accessDenied" }], async (counter) => {
      const error = await aws.store.put("r6/a", new Uint8Array([1])).catch((e) => e);
      expect(error).toMatchObject({ code: "INTERNAL", retriable: false });
      expect(counter.count("PutObject")).toBe(1);
    });
  });
});

describe("faults after the request was applied", () => {
  it("a conditioned write whose success was lost comes back as a clean condition failure on the SDK's replay", async () => {
    await withFaults(aws.dynamodb, [{ operation: "PutItem", kind: "internalError", when: "after" }], async (c) => {
      const error = await aws.ledger
        .write({ type: "put", key: key("a1", "a"), attrs: { v: 1 }, condition: { op: "notExists" } })
        .catch((e) => e);
      // The first attempt wrote the item; the replay's condition sees it and returns it.
      expect(error).toBeInstanceOf(ConditionFailedError);
      expect(error.reasons[0].item).toEqual({ pk: "a1", sk: "a", attrs: { v: 1 } });
      expect(c.count("PutItem")).toBe(2);
    });
  });

  it("an S3 put whose answer was lost is replayed and the object is intact", async () => {
    await withFaults(aws.s3, [{ operation: "PutObject", kind: "timeout", when: "after" }], async (counter) => {
      await aws.store.put("a2/a", new Uint8Array([4, 5]));
      expect(counter.count("PutObject")).toBe(2);
    });
    expect(await aws.store.get("a2/a")).toEqual(new Uint8Array([4, 5]));
  });
});
