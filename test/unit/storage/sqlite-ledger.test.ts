/** SqliteLedger beyond the conformance suite: input validation, persistence, group commit. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StrataError } from "../../../lib/errors.js";
import { ConditionFailedError, type WriteOp } from "../../../lib/storage/ledger.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { codeOf } from "../../support/expect.js";

describe("SqliteLedger", () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-sqlite-"));
    ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
  });
  afterEach(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps committed writes across close and reopen", async () => {
    await ledger.transact([
      { type: "put", key: { pk: "p", sk: "1" }, attrs: { a: [1, { b: null }] } },
      { type: "update", key: { pk: "p", sk: "2" }, add: { n: 2 } },
    ]);
    await ledger.close();
    ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite"), fsync: "never" });
    expect(await ledger.query("p")).toEqual([
      { pk: "p", sk: "1", attrs: { a: [1, { b: null }] } },
      { pk: "p", sk: "2", attrs: { n: 2 } },
    ]);
  });

  it("rejects what DynamoDB would reject, with INVALID_ARGUMENT, writing nothing", async () => {
    const key = { pk: "p", sk: "s" };
    const invalid: WriteOp[] = [
      { type: "put", key: { pk: "", sk: "s" }, attrs: {} },
      { type: "put", key: { pk: "p", sk: "" }, attrs: {} },
      { type: "put", key, attrs: { n: Number.NaN } },
      { type: "put", key, attrs: { n: { deep: [Number.POSITIVE_INFINITY] } } },
      { type: "put", key, attrs: { u: undefined as unknown as null } },
      { type: "put", key, attrs: {}, condition: { op: "lt", attr: "b", value: true } },
      { type: "put", key, attrs: {}, condition: { op: "and", conditions: [] } },
      { type: "put", key, attrs: {}, condition: { op: "bogus" } as unknown as WriteOp["condition"] },
      { type: "update", key, add: { n: Number.NaN } },
      { type: "update", key, add: { n: 1 }, remove: ["n"] },
    ];
    for (const op of invalid) {
      expect(await codeOf(ledger.write(op)), JSON.stringify(op)).toBe("INVALID_ARGUMENT");
    }
    expect(await ledger.query("p")).toEqual([]);
  });

  it("adding to a non-number fails the whole transaction", async () => {
    await ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: { n: "text" } });
    const code = await codeOf(
      ledger.transact([
        { type: "put", key: { pk: "p", sk: "a" }, attrs: {} },
        { type: "update", key: { pk: "p", sk: "s" }, add: { n: 1 } },
      ]),
    );
    expect(code).toBe("INVALID_ARGUMENT");
    expect((await ledger.query("p")).map((i) => i.sk)).toEqual(["s"]);
  });

  it("evaluates a check passed to write() without writing", async () => {
    await ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: { e: 1 } });
    await ledger.write({ type: "check", key: { pk: "p", sk: "s" }, condition: { op: "eq", attr: "e", value: 1 } });
    expect(await codeOf(ledger.write({ type: "check", key: { pk: "p", sk: "x" }, condition: { op: "exists" } }))).toBe(
      "CONDITION_FAILED",
    );
    expect(await ledger.get({ pk: "p", sk: "x" })).toBeUndefined();
  });

  it("query with limit 0 returns nothing; an empty transaction is a no-op", async () => {
    await ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: {} });
    expect(await ledger.query("p", { limit: 0 })).toEqual([]);
    await ledger.transact([]);
    expect(await ledger.query("p")).toHaveLength(1);
  });

  it("group commit: writes issued together commit once, in order, each all or nothing on its own", async () => {
    const key = (sk: string) => ({ pk: "g", sk });
    await ledger.write({ type: "put", key: key("head"), attrs: { next: 0 } });
    const before = ledger.commits;
    const outcomes = await Promise.allSettled([
      ledger.write({
        type: "update",
        key: key("head"),
        set: { next: 1 },
        condition: { op: "eq", attr: "next", value: 0 },
      }),
      // sees the first write of its group: its condition holds
      ledger.transact([
        { type: "update", key: key("head"), set: { next: 2 }, condition: { op: "eq", attr: "next", value: 1 } },
        { type: "put", key: key("b1"), attrs: { n: 1 } },
      ]),
      // stale: fails alone, writes nothing (not even its second item), and reports the item as the group left it
      ledger.transact([
        { type: "update", key: key("head"), set: { next: 9 }, condition: { op: "eq", attr: "next", value: 0 } },
        { type: "put", key: key("b9"), attrs: { n: 9 } },
      ]),
      ledger.transact([
        { type: "put", key: key("b2"), attrs: { n: 2 } },
        { type: "update", key: key("head"), add: { next: 1 } },
      ]),
    ]);
    expect(ledger.commits - before).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const failure = (outcomes[2] as PromiseRejectedResult).reason as ConditionFailedError;
    expect(failure).toBeInstanceOf(ConditionFailedError);
    expect(failure.reasons[0]).toEqual({ failed: true, item: { pk: "g", sk: "head", attrs: { next: 2 } } });
    expect(failure.reasons[1]).toEqual({ failed: false });
    expect((await ledger.get(key("head")))?.attrs).toEqual({ next: 3 });
    expect((await ledger.query("g")).map((i) => i.sk)).toEqual(["b1", "b2", "head"]);
  });

  it("group commit: a write that cannot apply fails alone; one issued after a turn commits on its own", async () => {
    const key = { pk: "h", sk: "x" };
    await ledger.write({ type: "put", key, attrs: { s: "text" } });
    const before = ledger.commits;
    const [bad, good] = await Promise.allSettled([
      ledger.write({ type: "update", key, add: { s: 1 } }),
      ledger.write({ type: "update", key, set: { t: 1 } }),
    ]);
    expect(bad.status === "rejected" && (bad.reason as StrataError).code).toBe("INVALID_ARGUMENT");
    expect(good.status).toBe("fulfilled");
    expect(ledger.commits - before).toBe(1);
    await ledger.write({ type: "update", key, set: { u: 1 } });
    expect(ledger.commits - before).toBe(2);
    expect((await ledger.get(key))?.attrs).toEqual({ s: "text", t: 1, u: 1 });
  });

  it("fails with UNAVAILABLE after close", async () => {
    await ledger.close();
    expect(await codeOf(ledger.get({ pk: "p", sk: "s" }))).toBe("UNAVAILABLE");
  });
});

describe("TTL, as DynamoDB's", () => {
  it("expire() deletes exactly the items whose ttl (seconds) is past, and nothing else", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-ttl-"));
    const ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite"), fsync: "never" });
    try {
      await ledger.write({ type: "put", key: { pk: "ps#t#0", sk: "1" }, attrs: { ttl: 100, nextSeq: 3 } });
      await ledger.write({ type: "put", key: { pk: "ps#t#0", sk: "2" }, attrs: { ttl: 300 } });
      await ledger.write({ type: "put", key: { pk: "p#t#0", sk: "head" }, attrs: { next: 5 } });
      await ledger.write({ type: "put", key: { pk: "odd", sk: "x" }, attrs: { ttl: "not a number" } });
      expect(await ledger.expire(200)).toBe(1);
      expect(await ledger.get({ pk: "ps#t#0", sk: "1" })).toBeUndefined();
      expect(await ledger.get({ pk: "ps#t#0", sk: "2" })).toBeDefined();
      expect(await ledger.get({ pk: "p#t#0", sk: "head" })).toBeDefined();
      expect(await ledger.get({ pk: "odd", sk: "x" })).toBeDefined();
      expect(await ledger.expire(200)).toBe(0);
    } finally {
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
