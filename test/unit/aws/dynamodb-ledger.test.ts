/**
 * DynamoDbLedger against DynamoDB Local: the translation of conditions, updates, transactions and sort key
 * ranges. The shared ledger conformance suite (test/conformance/aws.test.ts) covers the port's contract;
 * these tests target what is specific to DynamoDB (one sort key condition per query, byte order, reserved
 * words, ALL_OLD on failure).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planSortKeyCondition } from "../../../lib/storage/dynamodb-ledger.js";
import { ConditionFailedError, type Item } from "../../../lib/storage/ledger.js";
import { type AwsTestStorage, awsTestStorage } from "../../support/aws-storage.js";

let aws: AwsTestStorage;
beforeAll(async () => {
  aws = await awsTestStorage();
});
afterAll(() => aws?.cleanup());

const key = (pk: string, sk: string) => ({ pk, sk });

describe("single writes", () => {
  it("puts, gets and deletes items with JSON attributes, including reserved-word names", async () => {
    const attrs = {
      size: 3,
      name: "a",
      status: true,
      ttl: 1_700_000_000,
      nothing: null,
      list: [1, "two", [3], { four: 4 }],
      map: { nested: { deep: "x" }, empty: {} },
      empty: "",
      big: 2 ** 53 - 1,
      negative: -1.5,
    };
    await aws.ledger.write({ type: "put", key: key("w1", "a"), attrs });
    expect(await aws.ledger.get(key("w1", "a"))).toEqual({ pk: "w1", sk: "a", attrs });
    await aws.ledger.write({ type: "delete", key: key("w1", "a") });
    expect(await aws.ledger.get(key("w1", "a"))).toBeUndefined();
  });

  it("returns the current item when a condition fails", async () => {
    await aws.ledger.write({ type: "put", key: key("w2", "a"), attrs: { v: 1 }, condition: { op: "notExists" } });
    const error = await aws.ledger
      .write({ type: "put", key: key("w2", "a"), attrs: { v: 2 }, condition: { op: "notExists" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect(error.reasons).toEqual([{ failed: true, item: { pk: "w2", sk: "a", attrs: { v: 1 } } }]);
    expect(error.retriable).toBe(false);

    const missing = await aws.ledger
      .write({ type: "delete", key: key("w2", "nope"), condition: { op: "exists" } })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ConditionFailedError);
    expect(missing.reasons).toEqual([{ failed: true }]);
  });

  it("evaluates comparisons, and/or and attribute existence", async () => {
    const k = key("w3", "a");
    await aws.ledger.write({ type: "put", key: k, attrs: { n: 5, s: "m", b: true } });
    const holds = async (condition: Parameters<typeof aws.ledger.write>[0]["condition"]) =>
      aws.ledger.write({ type: "update", key: k, set: { touched: 1 }, ...(condition ? { condition } : {}) }).then(
        () => true,
        (e) => {
          if (e instanceof ConditionFailedError) return false;
          throw e;
        },
      );
    expect(await holds({ op: "eq", attr: "n", value: 5 })).toBe(true);
    expect(await holds({ op: "eq", attr: "n", value: 6 })).toBe(false);
    expect(await holds({ op: "ne", attr: "s", value: "x" })).toBe(true);
    expect(await holds({ op: "lt", attr: "n", value: 6 })).toBe(true);
    expect(await holds({ op: "le", attr: "n", value: 4 })).toBe(false);
    expect(await holds({ op: "gt", attr: "s", value: "a" })).toBe(true);
    expect(await holds({ op: "ge", attr: "n", value: 5 })).toBe(true);
    expect(await holds({ op: "eq", attr: "b", value: true })).toBe(true);
    expect(await holds({ op: "attrExists", attr: "s" })).toBe(true);
    expect(await holds({ op: "attrNotExists", attr: "zzz" })).toBe(true);
    expect(
      await holds({
        op: "and",
        conditions: [
          { op: "exists" },
          {
            op: "or",
            conditions: [
              { op: "eq", attr: "n", value: 1 },
              { op: "eq", attr: "s", value: "m" },
            ],
          },
        ],
      }),
    ).toBe(true);
    expect(await holds({ op: "and", conditions: [] })).toBe(true);
    expect(await holds({ op: "or", conditions: [] })).toBe(false);
  });

  it("updates in place: set, add (missing counts as 0), remove; and upserts", async () => {
    const k = key("w4", "a");
    await aws.ledger.write({ type: "update", key: k, set: { name: "x" }, add: { count: 2 } });
    await aws.ledger.write({ type: "update", key: k, add: { count: 3 }, remove: ["name"] });
    expect(await aws.ledger.get(k)).toEqual({ pk: "w4", sk: "a", attrs: { count: 5 } });

    // Nothing to change still creates the item, in a write and in a transaction.
    await aws.ledger.write({ type: "update", key: key("w4", "b") });
    await aws.ledger.transact([{ type: "update", key: key("w4", "c") }]);
    expect(await aws.ledger.get(key("w4", "b"))).toEqual({ pk: "w4", sk: "b", attrs: {} });
    expect(await aws.ledger.get(key("w4", "c"))).toEqual({ pk: "w4", sk: "c", attrs: {} });
  });

  it("a lone check passes or fails with the current item, writing nothing", async () => {
    await aws.ledger.write({ type: "put", key: key("w5", "a"), attrs: { v: 1 } });
    await aws.ledger.write({ type: "check", key: key("w5", "a"), condition: { op: "eq", attr: "v", value: 1 } });
    const error = await aws.ledger
      .write({ type: "check", key: key("w5", "a"), condition: { op: "eq", attr: "v", value: 2 } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect(error.reasons).toEqual([{ failed: true, item: { pk: "w5", sk: "a", attrs: { v: 1 } } }]);
  });
});

describe("transactions", () => {
  it("applies all or nothing and reports, per operation, which condition failed and the item now", async () => {
    await aws.ledger.write({ type: "put", key: key("t1", "a"), attrs: { v: 1 } });
    const error = await aws.ledger
      .transact([
        { type: "put", key: key("t1", "new"), attrs: { v: 9 } },
        { type: "update", key: key("t1", "a"), set: { v: 2 }, condition: { op: "eq", attr: "v", value: 0 } },
        { type: "check", key: key("t1", "absent"), condition: { op: "notExists" } },
      ])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConditionFailedError);
    expect(error.reasons).toEqual([
      { failed: false },
      { failed: true, item: { pk: "t1", sk: "a", attrs: { v: 1 } } },
      { failed: false },
    ]);
    expect(await aws.ledger.get(key("t1", "new"))).toBeUndefined();

    await aws.ledger.transact([
      { type: "put", key: key("t1", "new"), attrs: { v: 9 }, condition: { op: "notExists" } },
      { type: "update", key: key("t1", "a"), add: { v: 1 }, condition: { op: "eq", attr: "v", value: 1 } },
      { type: "delete", key: key("t1", "gone") },
    ]);
    expect((await aws.ledger.get(key("t1", "a")))?.attrs).toEqual({ v: 2 });
    expect((await aws.ledger.get(key("t1", "new")))?.attrs).toEqual({ v: 9 });
  });

  it("rejects two operations on one key and more than 100 operations, without retrying", async () => {
    const twice = await aws.ledger
      .transact([
        { type: "put", key: key("t2", "a"), attrs: {} },
        { type: "delete", key: key("t2", "a") },
      ])
      .catch((e) => e);
    expect(twice.code).toBe("INVALID_ARGUMENT");
    expect(twice.retriable).toBe(false);
    const many = Array.from({ length: 101 }, (_, i) => ({
      type: "put" as const,
      key: key("t2", String(i).padStart(3, "0")),
      attrs: {},
    }));
    await expect(aws.ledger.transact(many)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("query", () => {
  // Sort keys chosen so that UTF-16 order (JavaScript's <) and UTF-8 byte order (DynamoDB's) disagree:
  // U+FF5E sorts after U+1F600 in UTF-16 but before it in UTF-8.
  const sortKeys = [
    "",
    "a",
    "a#",
    "a#1",
    "a#2",
    "a$",
    "ab",
    "b",
    "b#0",
    "\u00e9",
    "\uff5e",
    "\u{1f600}",
    "\u{1f600}x",
  ].filter((s) => s !== "");
  const bytes = (s: string) => Buffer.from(s, "utf8");
  const byteOrder = (a: string, b: string) => Buffer.compare(bytes(a), bytes(b));
  const pk = "q1";

  beforeAll(async () => {
    for (let i = 0; i < sortKeys.length; i += 25) {
      await aws.ledger.transact(
        sortKeys.slice(i, i + 25).map((sk) => ({ type: "put" as const, key: key(pk, sk), attrs: { sk } })),
      );
    }
    // A neighbouring partition key that must never leak into results.
    await aws.ledger.write({ type: "put", key: key("q10", "a"), attrs: {} });
  });

  it("returns items in UTF-8 byte order, forwards and reversed, with limits", async () => {
    const sorted = [...sortKeys].sort(byteOrder);
    const all = await aws.ledger.query(pk);
    expect(all.map((i: Item) => i.sk)).toEqual(sorted);
    expect((await aws.ledger.query(pk, { reverse: true })).map((i) => i.sk)).toEqual([...sorted].reverse());
    expect((await aws.ledger.query(pk, { limit: 3 })).map((i) => i.sk)).toEqual(sorted.slice(0, 3));
    expect((await aws.ledger.query(pk, { limit: 2, reverse: true })).map((i) => i.sk)).toEqual(
      sorted.slice(-2).reverse(),
    );
    expect(await aws.ledger.query("nobody")).toEqual([]);
  });

  it("matches a byte-order model for every combination of bounds, prefix, order and limit", async () => {
    const probe = fc.constantFrom(
      "",
      "a",
      "a#",
      "a#1",
      "a#3",
      "ab",
      "b",
      "c",
      "\u00e9",
      "\uff5e",
      "\u{1f600}",
      "\u{1f601}",
    );
    const options = fc.record(
      {
        gt: probe,
        gte: probe,
        lt: probe,
        lte: probe,
        beginsWith: probe.filter((p) => p !== ""),
        reverse: fc.boolean(),
        limit: fc.integer({ min: 1, max: 5 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        const expected = sortKeys
          .filter(
            (sk) =>
              (o.gt === undefined || byteOrder(sk, o.gt) > 0) &&
              (o.gte === undefined || byteOrder(sk, o.gte) >= 0) &&
              (o.lt === undefined || byteOrder(sk, o.lt) < 0) &&
              (o.lte === undefined || byteOrder(sk, o.lte) <= 0) &&
              (o.beginsWith === undefined || sk.startsWith(o.beginsWith)),
          )
          .sort(byteOrder);
        if (o.reverse) expected.reverse();
        const got = (await aws.ledger.query(pk, o)).map((i) => i.sk);
        expect(got).toEqual(o.limit === undefined ? expected : expected.slice(0, o.limit));
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it("pages through results larger than one DynamoDB page (1 MB)", async () => {
    const big = "x".repeat(200_000);
    const sks = Array.from({ length: 7 }, (_, i) => `p${i}`);
    for (const sk of sks) await aws.ledger.write({ type: "put", key: key("q2", sk), attrs: { big } });
    const items = await aws.ledger.query("q2");
    expect(items.map((i) => i.sk)).toEqual(sks);
    expect(items.every((i) => i.attrs.big === big)).toBe(true);
    expect((await aws.ledger.query("q2", { gt: "p1", limit: 4 })).map((i) => i.sk)).toEqual(["p2", "p3", "p4", "p5"]);
  });
});

describe("sort key planning", () => {
  it("sends one key condition: begins_with alone, BETWEEN for two bounds, nothing for an empty range", () => {
    expect(planSortKeyCondition({}).render).toBeUndefined();
    expect(planSortKeyCondition({ gt: "b", lt: "a" }).empty).toBe(true);
    expect(planSortKeyCondition({ gt: "a", lt: "a" }).empty).toBe(true);
    expect(planSortKeyCondition({ gte: "a", lte: "a" }).empty).toBe(false);
    expect(planSortKeyCondition({ gt: "a", lt: "c" }).slack).toBe(2);
    expect(planSortKeyCondition({ gte: "a", lte: "c" }).slack).toBe(0);
  });
});
