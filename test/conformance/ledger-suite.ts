/**
 * The Ledger conformance suite: every adapter (SQLite, DynamoDB Local/LocalStack/AWS) runs exactly these tests,
 * so the domain can rely on lib/storage/ledger.ts and nothing else.
 *
 * Semantics follow DynamoDB as measured on DynamoDB Local (2025), including the less obvious ones:
 * - `ne` is the negation of `eq`: true for a missing attribute, a missing item, or a value of another type;
 * - `eq`, `lt`, `le`, `gt`, `ge` are false for a missing attribute or a value of another type;
 * - strings compare by their UTF-8 bytes (so "\uFF5E" < "\u{1F600}", unlike JavaScript's `<`);
 * - update creates an absent item, even when it only removes attributes;
 * - a failed transaction reports every operation whose condition failed, each with the current item.
 *
 * Every test works under its own random partition keys, so the suite is safe on a shared table.
 *
 * @example
 * ledgerConformance("SqliteLedger", async () => {
 *   const dir = await mkdtemp(join(tmpdir(), "strata-"));
 *   const ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
 *   return { ledger, cleanup: () => rm(dir, { recursive: true, force: true }) };
 * });
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StrataError } from "../../lib/errors.js";
import {
  type Attrs,
  type AttrValue,
  type Condition,
  ConditionFailedError,
  type Item,
  type ItemKey,
  type Ledger,
  type QueryOptions,
  type WriteOp,
} from "../../lib/storage/ledger.js";

export type LedgerFactory = () => Promise<{ ledger: Ledger; cleanup(): Promise<void> }>;

/** Compare as DynamoDB and SQLite do: by UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected the promise to reject");
    },
    (e: unknown) => e,
  );
}

async function conditionFailure(p: Promise<unknown>): Promise<ConditionFailedError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(ConditionFailedError);
  expect((err as ConditionFailedError).code).toBe("CONDITION_FAILED");
  return err as ConditionFailedError;
}

async function expectInvalid(p: Promise<unknown>): Promise<void> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(StrataError);
  expect((err as StrataError).code).toBe("INVALID_ARGUMENT");
  expect((err as StrataError).retriable).toBe(false);
}

/** The reference model of a sort-key query, used to check the adapter. */
function modelQuery(sks: string[], o: QueryOptions): string[] {
  const b = (s: string) => Buffer.from(s, "utf8");
  let out = sks
    .filter((sk) => o.gt === undefined || byteOrder(sk, o.gt) > 0)
    .filter((sk) => o.gte === undefined || byteOrder(sk, o.gte) >= 0)
    .filter((sk) => o.lt === undefined || byteOrder(sk, o.lt) < 0)
    .filter((sk) => o.lte === undefined || byteOrder(sk, o.lte) <= 0)
    .filter((sk) => {
      if (o.beginsWith === undefined) return true;
      const p = b(o.beginsWith);
      return b(sk).subarray(0, p.length).equals(p);
    })
    .sort(byteOrder);
  if (o.reverse) out = out.reverse();
  return o.limit === undefined ? out : out.slice(0, o.limit);
}

export function ledgerConformance(name: string, factory: LedgerFactory): void {
  describe(name, () => {
    let ledger: Ledger;
    let cleanup: () => Promise<void>;
    // One random root per run, one partition key (or several) per test: safe on a shared table.
    const run = `conformance-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    let n = 0;
    const freshPk = (label: string) => `${run}#${label}#${n++}`;
    const freshKey = (label: string, sk = "s"): ItemKey => ({ pk: freshPk(label), sk });

    beforeAll(async () => {
      ({ ledger, cleanup } = await factory());
    });
    afterAll(async () => {
      await ledger?.close?.();
      await cleanup?.();
    });

    describe("get, put, delete", () => {
      it("returns undefined for a missing item", async () => {
        expect(await ledger.get(freshKey("missing"))).toBeUndefined();
      });

      it("puts and gets an item with its key", async () => {
        const key = freshKey("put", "topic#orders/p=0001");
        await ledger.write({ type: "put", key, attrs: { a: "x", n: 1 } });
        expect(await ledger.get(key)).toEqual({ ...key, attrs: { a: "x", n: 1 } });
      });

      it("keeps items with the same sk under different pks apart", async () => {
        const a = freshKey("iso", "same");
        const b = { pk: `${a.pk}x`, sk: "same" };
        await ledger.write({ type: "put", key: a, attrs: { who: "a" } });
        await ledger.write({ type: "put", key: b, attrs: { who: "b" } });
        expect((await ledger.get(a))?.attrs).toEqual({ who: "a" });
        expect((await ledger.get(b))?.attrs).toEqual({ who: "b" });
        expect((await ledger.get({ pk: a.pk, sk: "sam" }))?.attrs).toBeUndefined();
      });

      it("replaces the whole item on put", async () => {
        const key = freshKey("replace");
        await ledger.write({ type: "put", key, attrs: { a: 1, b: 2 } });
        await ledger.write({ type: "put", key, attrs: { c: 3 } });
        expect((await ledger.get(key))?.attrs).toEqual({ c: 3 });
      });

      it("puts an item with no attributes", async () => {
        const key = freshKey("noattrs");
        await ledger.write({ type: "put", key, attrs: {} });
        expect(await ledger.get(key)).toEqual({ ...key, attrs: {} });
      });

      it("deletes an item; deleting a missing item succeeds", async () => {
        const key = freshKey("delete");
        await ledger.write({ type: "put", key, attrs: { a: 1 } });
        await ledger.write({ type: "delete", key });
        expect(await ledger.get(key)).toBeUndefined();
        await ledger.write({ type: "delete", key });
        expect(await ledger.get(key)).toBeUndefined();
      });

      it("returns items the caller may mutate without affecting the ledger", async () => {
        const key = freshKey("copy");
        await ledger.write({ type: "put", key, attrs: { m: { x: 1 }, l: [1] } });
        const got = (await ledger.get(key)) as Item;
        (got.attrs.m as Record<string, number>).x = 99;
        (got.attrs.l as number[]).push(2);
        expect((await ledger.get(key))?.attrs).toEqual({ m: { x: 1 }, l: [1] });
      });
    });

    describe("update", () => {
      it("creates the item when absent (add counts a missing attribute as 0)", async () => {
        const key = freshKey("upd-create");
        await ledger.write({ type: "update", key, set: { s: "x", m: { a: [1] } }, add: { c: 3 } });
        expect(await ledger.get(key)).toEqual({ ...key, attrs: { s: "x", m: { a: [1] }, c: 3 } });
      });

      it("creates an empty item even when it only removes", async () => {
        const key = freshKey("upd-remove-only");
        await ledger.write({ type: "update", key, remove: ["nothing"] });
        expect(await ledger.get(key)).toEqual({ ...key, attrs: {} });
      });

      it("sets, adds and removes in one write, leaving other attributes alone", async () => {
        const key = freshKey("upd-mixed");
        await ledger.write({ type: "put", key, attrs: { keep: "k", s: "old", m: { a: 1, b: 2 }, c: 10, gone: true } });
        await ledger.write({
          type: "update",
          key,
          set: { s: "new", m: { z: 0 } },
          add: { c: -3, d: 0.5 },
          remove: ["gone", "never-there"],
        });
        expect((await ledger.get(key))?.attrs).toEqual({ keep: "k", s: "new", m: { z: 0 }, c: 7, d: 0.5 });
      });

      it("adds exactly up to the largest safe integer", async () => {
        const key = freshKey("upd-big");
        await ledger.write({ type: "put", key, attrs: { n: Number.MAX_SAFE_INTEGER - 5 } });
        await ledger.write({ type: "update", key, add: { n: 5 } });
        expect((await ledger.get(key))?.attrs.n).toBe(Number.MAX_SAFE_INTEGER);
      });

      it("rejects an attribute named in both set and add with INVALID_ARGUMENT", async () => {
        const key = freshKey("upd-overlap");
        await expectInvalid(ledger.write({ type: "update", key, set: { a: 1 }, add: { a: 1 } }));
        await expectInvalid(ledger.write({ type: "update", key, set: { a: 1 }, remove: ["a"] }));
        expect(await ledger.get(key)).toBeUndefined();
      });

      it("applies a conditional update only when its condition holds", async () => {
        const key = freshKey("upd-cond");
        await ledger.write({ type: "put", key, attrs: { version: 1 } });
        const bump = (from: number) =>
          ledger.write({
            type: "update",
            key,
            add: { version: 1 },
            condition: { op: "eq", attr: "version", value: from },
          });
        await bump(1);
        const err = await conditionFailure(bump(1));
        expect(err.reasons).toEqual([{ failed: true, item: { ...key, attrs: { version: 2 } } }]);
        expect((await ledger.get(key))?.attrs).toEqual({ version: 2 });
      });
    });

    describe("values", () => {
      const values: Attrs = {
        str: "hello",
        empty: "",
        unicode: "h\u00e9llo \uFF5E \u{1F600} \u4e2d\u6587",
        escapes: 'tab\tnewline\nquote" backslash\\ slash/',
        int: 42,
        neg: -7,
        zero: 0,
        maxSafe: Number.MAX_SAFE_INTEGER,
        minSafe: Number.MIN_SAFE_INTEGER,
        tenth: 0.1,
        small: 1.5e-7,
        negFloat: -2.5,
        frac: 123456.789,
        yes: true,
        no: false,
        nothing: null,
        list: [1, "two", false, null, [3, [4]], { k: "v" }],
        emptyList: [],
        emptyMap: {},
        nested: { a: { b: { c: [{ d: "deep", e: [] }] } }, "key with spaces": 1, "dots.in.name": 2 },
        "attr.with.dot": "x",
        "attr-with-dash": "y",
        "#hash": "z",
        ":colon": "w",
      };

      it("round-trips JSON values exactly through put", async () => {
        const key = freshKey("values-put");
        await ledger.write({ type: "put", key, attrs: values });
        const got = await ledger.get(key);
        expect(got?.attrs).toStrictEqual(values);
        expect(typeof got?.attrs.maxSafe).toBe("number");
      });

      it("holds values nested 32 levels deep and rejects 33 (DynamoDB's limit) with INVALID_ARGUMENT", async () => {
        const nest = (levels: number): AttrValue => {
          let v: AttrValue = "leaf";
          for (let i = 1; i < levels; i++) v = i % 2 === 0 ? [v] : { m: v };
          return v;
        };
        const ok = freshKey("depth-32");
        await ledger.write({ type: "put", key: ok, attrs: { v: nest(32) } });
        expect((await ledger.get(ok))?.attrs).toStrictEqual({ v: nest(32) });
        const deep = freshKey("depth-33");
        await expectInvalid(ledger.write({ type: "put", key: deep, attrs: { v: nest(33) } }));
        expect(await ledger.get(deep)).toBeUndefined();
      });

      it("round-trips JSON values exactly through update, transact and query", async () => {
        const a = freshKey("values-upd");
        await ledger.write({ type: "update", key: a, set: values });
        expect((await ledger.get(a))?.attrs).toStrictEqual(values);
        const pk = freshPk("values-tx");
        await ledger.transact([{ type: "put", key: { pk, sk: "1" }, attrs: values }]);
        const [item] = await ledger.query(pk);
        expect(item).toStrictEqual({ pk, sk: "1", attrs: values });
      });
    });

    describe("conditions", () => {
      const fixture: Attrs = {
        s: "m",
        n: 5,
        f: 2.5,
        b: true,
        z: null,
        empty: "",
        u: "\uFF5E",
        list: [1],
        map: { a: 1 },
      };

      /** true when `condition` holds on an item holding `fixture` (rewriting the same attrs is harmless). */
      async function holds(key: ItemKey, condition: Condition): Promise<boolean> {
        try {
          await ledger.write({ type: "put", key, attrs: fixture, condition });
          return true;
        } catch (e) {
          if (e instanceof ConditionFailedError) return false;
          throw e;
        }
      }

      const onItem: [string, Condition, boolean][] = [
        ["exists", { op: "exists" }, true],
        ["notExists", { op: "notExists" }, false],
        ["attrExists present", { op: "attrExists", attr: "s" }, true],
        ["attrExists null-valued", { op: "attrExists", attr: "z" }, true],
        ["attrExists empty string", { op: "attrExists", attr: "empty" }, true],
        ["attrExists missing", { op: "attrExists", attr: "nope" }, false],
        ["attrNotExists missing", { op: "attrNotExists", attr: "nope" }, true],
        ["attrNotExists present", { op: "attrNotExists", attr: "n" }, false],
        ["eq string", { op: "eq", attr: "s", value: "m" }, true],
        ["eq string, other case", { op: "eq", attr: "s", value: "M" }, false],
        ["eq empty string", { op: "eq", attr: "empty", value: "" }, true],
        ["eq number", { op: "eq", attr: "n", value: 5 }, true],
        ["eq float", { op: "eq", attr: "f", value: 2.5 }, true],
        ["eq number, other value", { op: "eq", attr: "n", value: 6 }, false],
        ["eq number vs string", { op: "eq", attr: "n", value: "5" }, false],
        ["eq boolean", { op: "eq", attr: "b", value: true }, true],
        ["eq boolean, other value", { op: "eq", attr: "b", value: false }, false],
        ["eq on null", { op: "eq", attr: "z", value: false }, false],
        ["eq missing", { op: "eq", attr: "nope", value: "x" }, false],
        ["ne string equal", { op: "ne", attr: "s", value: "m" }, false],
        ["ne string differs", { op: "ne", attr: "s", value: "x" }, true],
        ["ne number equal", { op: "ne", attr: "n", value: 5 }, false],
        ["ne other type", { op: "ne", attr: "n", value: "5" }, true],
        ["ne boolean", { op: "ne", attr: "b", value: false }, true],
        ["ne on null", { op: "ne", attr: "z", value: false }, true],
        ["ne missing (true, as DynamoDB)", { op: "ne", attr: "nope", value: 1 }, true],
        ["lt number", { op: "lt", attr: "n", value: 6 }, true],
        ["lt number equal", { op: "lt", attr: "n", value: 5 }, false],
        ["lt numeric, not lexicographic", { op: "lt", attr: "n", value: 10 }, true],
        ["gt numeric, not lexicographic", { op: "gt", attr: "n", value: 10 }, false],
        ["le number equal", { op: "le", attr: "n", value: 5 }, true],
        ["le number below", { op: "le", attr: "n", value: 4 }, false],
        ["gt number", { op: "gt", attr: "n", value: 4 }, true],
        ["gt negative", { op: "gt", attr: "n", value: -10 }, true],
        ["gt number equal", { op: "gt", attr: "n", value: 5 }, false],
        ["ge number equal", { op: "ge", attr: "n", value: 5 }, true],
        ["ge number above", { op: "ge", attr: "n", value: 6 }, false],
        ["gt float", { op: "gt", attr: "f", value: 2.4 }, true],
        ["lt float equal", { op: "lt", attr: "f", value: 2.5 }, false],
        ["lt string", { op: "lt", attr: "s", value: "n" }, true],
        ["lt string, longer", { op: "lt", attr: "s", value: "ma" }, true],
        ["ge string, longer", { op: "ge", attr: "s", value: "ma" }, false],
        ["le string equal", { op: "le", attr: "s", value: "m" }, true],
        ["gt string, bytes: lower > upper", { op: "gt", attr: "s", value: "M" }, true],
        ["lt string by UTF-8 bytes", { op: "lt", attr: "u", value: "\u{1F600}" }, true],
        ["gt string by UTF-8 bytes", { op: "gt", attr: "u", value: "\u{1F600}" }, false],
        ["ge empty string", { op: "ge", attr: "empty", value: "" }, true],
        ["lt number vs string", { op: "lt", attr: "n", value: "9" }, false],
        ["gt number vs string", { op: "gt", attr: "n", value: "1" }, false],
        ["gt string vs number", { op: "gt", attr: "s", value: 1 }, false],
        ["lt on null", { op: "lt", attr: "z", value: 1 }, false],
        ["lt missing", { op: "lt", attr: "nope", value: 1 }, false],
        ["ge missing", { op: "ge", attr: "nope", value: "" }, false],
        ["and true", { op: "and", conditions: [{ op: "exists" }, { op: "eq", attr: "s", value: "m" }] }, true],
        [
          "and false",
          {
            op: "and",
            conditions: [{ op: "exists" }, { op: "eq", attr: "s", value: "m" }, { op: "eq", attr: "n", value: 6 }],
          },
          false,
        ],
        [
          "or true",
          {
            op: "or",
            conditions: [
              { op: "eq", attr: "s", value: "x" },
              { op: "eq", attr: "n", value: 5 },
            ],
          },
          true,
        ],
        [
          "or false",
          {
            op: "or",
            conditions: [{ op: "eq", attr: "s", value: "x" }, { op: "notExists" }],
          },
          false,
        ],
        [
          "nested and(or, or)",
          {
            op: "and",
            conditions: [
              {
                op: "or",
                conditions: [
                  { op: "attrNotExists", attr: "s" },
                  { op: "ge", attr: "n", value: 5 },
                ],
              },
              {
                op: "or",
                conditions: [
                  { op: "lt", attr: "f", value: 0 },
                  {
                    op: "and",
                    conditions: [
                      { op: "attrExists", attr: "b" },
                      { op: "ne", attr: "s", value: "q" },
                    ],
                  },
                ],
              },
            ],
          },
          true,
        ],
        [
          "nested or(and, and) false",
          {
            op: "or",
            conditions: [
              {
                op: "and",
                conditions: [{ op: "exists" }, { op: "gt", attr: "n", value: 5 }],
              },
              {
                op: "and",
                conditions: [
                  { op: "attrExists", attr: "b" },
                  { op: "attrExists", attr: "nope" },
                ],
              },
            ],
          },
          false,
        ],
      ];

      it.each(onItem)("on an existing item: %s", async (_label, condition, expected) => {
        const key = freshKey("cond");
        await ledger.write({ type: "put", key, attrs: fixture });
        expect(await holds(key, condition)).toBe(expected);
        // a failed condition leaves the item as it was
        expect((await ledger.get(key))?.attrs).toEqual(fixture);
      });

      const onMissing: [string, Condition, boolean][] = [
        ["notExists", { op: "notExists" }, true],
        ["exists", { op: "exists" }, false],
        ["attrNotExists", { op: "attrNotExists", attr: "s" }, true],
        ["attrExists", { op: "attrExists", attr: "s" }, false],
        ["eq", { op: "eq", attr: "s", value: "m" }, false],
        ["ne (true, as DynamoDB)", { op: "ne", attr: "s", value: "m" }, true],
        ["lt", { op: "lt", attr: "n", value: 100 }, false],
        ["ge", { op: "ge", attr: "n", value: -100 }, false],
        [
          "or(exists, attrNotExists)",
          { op: "or", conditions: [{ op: "exists" }, { op: "attrNotExists", attr: "v" }] },
          true,
        ],
        [
          "and(notExists, eq)",
          { op: "and", conditions: [{ op: "notExists" }, { op: "eq", attr: "v", value: 1 }] },
          false,
        ],
      ];

      it.each(onMissing)("on a missing item: %s", async (_label, condition, expected) => {
        const key = freshKey("cond-missing");
        expect(await holds(key, condition)).toBe(expected);
        expect(await ledger.get(key)).toEqual(expected ? { ...key, attrs: fixture } : undefined);
      });
    });

    describe("condition failures", () => {
      it("put notExists on an existing item reports the current item", async () => {
        const key = freshKey("fail-put");
        await ledger.write({ type: "put", key, attrs: { owner: "first", n: 1 } });
        const err = await conditionFailure(
          ledger.write({ type: "put", key, attrs: { owner: "second" }, condition: { op: "notExists" } }),
        );
        expect(err.reasons).toHaveLength(1);
        expect(err.reasons[0]).toEqual({ failed: true, item: { ...key, attrs: { owner: "first", n: 1 } } });
        expect((await ledger.get(key))?.attrs).toEqual({ owner: "first", n: 1 });
      });

      it("a condition on a missing item reports no item and creates nothing", async () => {
        const key = freshKey("fail-missing");
        const err = await conditionFailure(
          ledger.write({ type: "update", key, set: { a: 1 }, condition: { op: "exists" } }),
        );
        expect(err.reasons).toHaveLength(1);
        expect(err.reasons[0]?.failed).toBe(true);
        expect(err.reasons[0]?.item).toBeUndefined();
        expect(await ledger.get(key)).toBeUndefined();
      });

      it("a failed conditional delete keeps the item and reports it", async () => {
        const key = freshKey("fail-delete");
        await ledger.write({ type: "put", key, attrs: { lease: "m1" } });
        const err = await conditionFailure(
          ledger.write({ type: "delete", key, condition: { op: "eq", attr: "lease", value: "m2" } }),
        );
        expect(err.reasons).toEqual([{ failed: true, item: { ...key, attrs: { lease: "m1" } } }]);
        expect((await ledger.get(key))?.attrs).toEqual({ lease: "m1" });
        await ledger.write({ type: "delete", key, condition: { op: "eq", attr: "lease", value: "m1" } });
        expect(await ledger.get(key)).toBeUndefined();
      });

      it("in a transaction marks only the failing operation, with its current item", async () => {
        const pk = freshPk("fail-tx");
        const a = { pk, sk: "a" };
        const b = { pk, sk: "b" };
        const c = { pk, sk: "c" };
        await ledger.write({ type: "put", key: a, attrs: { v: 1 } });
        await ledger.write({ type: "put", key: b, attrs: { v: 1, note: "b" } });
        const err = await conditionFailure(
          ledger.transact([
            { type: "update", key: a, add: { v: 1 }, condition: { op: "attrExists", attr: "v" } },
            { type: "update", key: b, add: { v: 1 }, condition: { op: "eq", attr: "v", value: 99 } },
            { type: "put", key: c, attrs: { v: 1 }, condition: { op: "notExists" } },
          ]),
        );
        expect(err.reasons).toHaveLength(3);
        expect(err.reasons.map((r) => r.failed)).toEqual([false, true, false]);
        expect(err.reasons[1]?.item).toEqual({ ...b, attrs: { v: 1, note: "b" } });
        expect((await ledger.get(a))?.attrs).toEqual({ v: 1 });
        expect((await ledger.get(b))?.attrs).toEqual({ v: 1, note: "b" });
        expect(await ledger.get(c)).toBeUndefined();
      });

      it("in a transaction marks every failing operation", async () => {
        const pk = freshPk("fail-tx-many");
        await ledger.write({ type: "put", key: { pk, sk: "x" }, attrs: { v: 1 } });
        const err = await conditionFailure(
          ledger.transact([
            { type: "check", key: { pk, sk: "x" }, condition: { op: "notExists" } },
            { type: "put", key: { pk, sk: "y" }, attrs: {} },
            { type: "delete", key: { pk, sk: "z" }, condition: { op: "exists" } },
          ]),
        );
        expect(err.reasons.map((r) => r.failed)).toEqual([true, false, true]);
        expect(err.reasons[0]?.item).toEqual({ pk, sk: "x", attrs: { v: 1 } });
        expect(err.reasons[2]?.item).toBeUndefined();
        expect(await ledger.query(pk)).toEqual([{ pk, sk: "x", attrs: { v: 1 } }]);
      });
    });

    describe("transact", () => {
      it("applies put, update, delete and check together", async () => {
        const pk = freshPk("tx");
        const other = freshPk("tx-other");
        await ledger.write({ type: "put", key: { pk, sk: "upd" }, attrs: { n: 1 } });
        await ledger.write({ type: "put", key: { pk, sk: "del" }, attrs: { n: 1 } });
        await ledger.write({ type: "put", key: { pk: other, sk: "chk" }, attrs: { gen: 4 } });
        await ledger.transact([
          { type: "put", key: { pk, sk: "new" }, attrs: { n: 0 }, condition: { op: "notExists" } },
          { type: "update", key: { pk, sk: "upd" }, add: { n: 2 }, set: { t: "x" } },
          { type: "delete", key: { pk, sk: "del" }, condition: { op: "exists" } },
          { type: "check", key: { pk: other, sk: "chk" }, condition: { op: "eq", attr: "gen", value: 4 } },
        ]);
        expect(await ledger.query(pk)).toEqual([
          { pk, sk: "new", attrs: { n: 0 } },
          { pk, sk: "upd", attrs: { n: 3, t: "x" } },
        ]);
        expect((await ledger.get({ pk: other, sk: "chk" }))?.attrs).toEqual({ gen: 4 });
      });

      it("is all or nothing: one false condition leaves every item unchanged", async () => {
        const pk = freshPk("tx-atomic");
        await ledger.write({ type: "put", key: { pk, sk: "1" }, attrs: { n: 1 } });
        await ledger.write({ type: "put", key: { pk, sk: "2" }, attrs: { n: 2 } });
        const before = await ledger.query(pk);
        await conditionFailure(
          ledger.transact([
            { type: "put", key: { pk, sk: "0" }, attrs: { n: 0 } },
            { type: "update", key: { pk, sk: "1" }, add: { n: 10 }, remove: ["n2"] },
            { type: "delete", key: { pk, sk: "2" } },
            { type: "update", key: { pk, sk: "3" }, set: { n: 3 }, condition: { op: "exists" } },
          ]),
        );
        expect(await ledger.query(pk)).toEqual(before);
      });

      it("a false check alone cancels the transaction", async () => {
        const pk = freshPk("tx-check");
        await ledger.write({ type: "put", key: { pk, sk: "fence" }, attrs: { epoch: 2 } });
        const err = await conditionFailure(
          ledger.transact([
            { type: "check", key: { pk, sk: "fence" }, condition: { op: "eq", attr: "epoch", value: 1 } },
            { type: "put", key: { pk, sk: "data" }, attrs: { x: 1 } },
          ]),
        );
        expect(err.reasons[0]).toEqual({ failed: true, item: { pk, sk: "fence", attrs: { epoch: 2 } } });
        expect(err.reasons[1]?.failed).toBe(false);
        expect(await ledger.get({ pk, sk: "data" })).toBeUndefined();
      });

      it("accepts 100 operations", async () => {
        const pk = freshPk("tx-100");
        const ops: WriteOp[] = Array.from({ length: 100 }, (_, i) => ({
          type: "put",
          key: { pk, sk: String(i).padStart(3, "0") },
          attrs: { i },
          condition: { op: "notExists" },
        }));
        await ledger.transact(ops);
        const items = await ledger.query(pk);
        expect(items.map((it) => it.attrs.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      });

      it("rejects 101 operations with INVALID_ARGUMENT and writes nothing", async () => {
        const pk = freshPk("tx-101");
        const ops: WriteOp[] = Array.from({ length: 101 }, (_, i) => ({
          type: "put",
          key: { pk, sk: String(i).padStart(3, "0") },
          attrs: { i },
        }));
        await expectInvalid(ledger.transact(ops));
        expect(await ledger.query(pk)).toEqual([]);
      });

      it("rejects two operations on one key with INVALID_ARGUMENT and writes nothing", async () => {
        const pk = freshPk("tx-dup");
        await expectInvalid(
          ledger.transact([
            { type: "put", key: { pk, sk: "a" }, attrs: {} },
            { type: "put", key: { pk, sk: "b" }, attrs: {} },
            { type: "check", key: { pk, sk: "a" }, condition: { op: "notExists" } },
          ]),
        );
        expect(await ledger.query(pk)).toEqual([]);
        // the same sk under another pk is a different key
        await ledger.transact([
          { type: "put", key: { pk, sk: "a" }, attrs: {} },
          { type: "put", key: { pk: `${pk}2`, sk: "a" }, attrs: {} },
        ]);
        expect(await ledger.query(pk)).toHaveLength(1);
      });
    });

    describe("query", () => {
      it("returns nothing for an unused pk", async () => {
        expect(await ledger.query(freshPk("q-none"))).toEqual([]);
      });

      it("orders by sk as UTF-8 bytes and returns whole items of that pk only", async () => {
        const pk = freshPk("q-order");
        const sks = ["0010", "0002", "0001", "a", "B", "b", "a/b", "a-b", "a0", "0010x", "\uFF5E", "\u{1F600}", "~"];
        for (const [i, sk] of sks.entries()) await ledger.write({ type: "put", key: { pk, sk }, attrs: { i } });
        await ledger.write({ type: "put", key: { pk: `${pk}0`, sk: "0000" }, attrs: {} });
        const items = await ledger.query(pk);
        expect(items.map((it) => it.sk)).toEqual([...sks].sort(byteOrder));
        for (const it of items) {
          expect(it.pk).toBe(pk);
          expect(it.attrs).toEqual({ i: sks.indexOf(it.sk) });
        }
      });

      describe("bounds, prefix, reverse and limit", () => {
        const sks = [
          ...Array.from({ length: 20 }, (_, i) => String(i).padStart(2, "0")),
          "a00",
          "a01",
          "a1",
          "b",
          "\uFF5E",
          "\uFF5Ex",
          "\u{1F600}",
        ];
        let pk: string;
        beforeAll(async () => {
          pk = freshPk("q-bounds");
          const ops: WriteOp[] = sks.map((sk) => ({ type: "put", key: { pk, sk }, attrs: { sk } }));
          await ledger.transact(ops);
        });

        const cases: QueryOptions[] = [
          {},
          { gt: "05" },
          { gte: "05" },
          { lt: "05" },
          { lte: "05" },
          { gte: "05", lte: "12" },
          { gt: "05", lt: "12" },
          { gt: "05", lte: "12" },
          { gte: "05", lt: "12" },
          { gte: "12", lt: "05" },
          { beginsWith: "1" },
          { beginsWith: "a0" },
          { beginsWith: "zzz" },
          { beginsWith: "1", gt: "12" },
          { beginsWith: "1", lte: "15" },
          { beginsWith: "1", gte: "05" },
          { beginsWith: "1", lt: "05" },
          { beginsWith: "a", gt: "a00", lt: "b" },
          { gt: "\uFF5E" },
          { lt: "\u{1F600}", gte: "b" },
          { beginsWith: "\uFF5E" },
          { gt: "0", lt: "1" },
        ];
        const variants: QueryOptions[] = [
          {},
          { reverse: true },
          { limit: 3 },
          { reverse: true, limit: 3 },
          { limit: 1 },
        ];

        it("match the reference model for every combination", async () => {
          for (const base of cases) {
            for (const variant of variants) {
              const options = { ...base, ...variant };
              const got = (await ledger.query(pk, options)).map((it) => it.sk);
              expect(got, JSON.stringify(options)).toEqual(modelQuery(sks, options));
            }
          }
        });
      });

      it("pages past DynamoDB's 1 MB page: 1,200 items of ~1 KB", async () => {
        const pk = freshPk("q-large");
        const pad = "x".repeat(1000);
        const sks = Array.from({ length: 1200 }, (_, i) => String(i).padStart(6, "0"));
        for (let i = 0; i < sks.length; i += 100) {
          await ledger.transact(
            sks.slice(i, i + 100).map((sk, j) => ({ type: "put", key: { pk, sk }, attrs: { i: i + j, pad } })),
          );
        }
        const all = await ledger.query(pk);
        expect(all.map((it) => it.sk)).toEqual(sks);
        expect(all[1199]?.attrs).toEqual({ i: 1199, pad });

        const reversed = await ledger.query(pk, { reverse: true });
        expect(reversed.map((it) => it.sk)).toEqual([...sks].reverse());

        const limited = await ledger.query(pk, { limit: 1100 });
        expect(limited.map((it) => it.sk)).toEqual(sks.slice(0, 1100));

        const tail = await ledger.query(pk, { gte: "000100", reverse: true, limit: 1050 });
        expect(tail.map((it) => it.sk)).toEqual(sks.slice(100).reverse().slice(0, 1050));

        const window = await ledger.query(pk, { gt: "000050", lt: "001150" });
        expect(window.length).toBe(1099);
      });
    });

    describe("concurrency", () => {
      it("exactly one of N racing put-if-absent writes wins", async () => {
        const key = freshKey("race");
        const N = 8;
        const results = await Promise.allSettled(
          Array.from({ length: N }, (_, writer) =>
            ledger.write({ type: "put", key, attrs: { writer }, condition: { op: "notExists" } }),
          ),
        );
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        expect(winners).toHaveLength(1);
        const winner = winners[0];
        for (const r of results) {
          if (r.status === "rejected") {
            expect(r.reason).toBeInstanceOf(ConditionFailedError);
            expect((r.reason as ConditionFailedError).reasons[0]?.item?.attrs).toEqual({ writer: winner });
          }
        }
        expect((await ledger.get(key))?.attrs).toEqual({ writer: winner });
      });

      it("concurrent adds are not lost", async () => {
        const key = freshKey("adds");
        await Promise.all(Array.from({ length: 20 }, () => ledger.write({ type: "update", key, add: { n: 1 } })));
        expect((await ledger.get(key))?.attrs).toEqual({ n: 20 });
      });

      it("optimistic version bumps: every success is counted once", async () => {
        const key = freshKey("versions");
        await ledger.write({ type: "put", key, attrs: { version: 0 } });
        let successes = 0;
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            for (let attempt = 0; attempt < 3; attempt++) {
              const current = (await ledger.get(key))?.attrs.version as number;
              try {
                await ledger.write({
                  type: "update",
                  key,
                  set: { version: current + 1 },
                  condition: { op: "eq", attr: "version", value: current },
                });
                successes++;
                return;
              } catch (e) {
                if (!(e instanceof ConditionFailedError)) throw e;
              }
            }
          }),
        );
        expect(successes).toBeGreaterThan(0);
        expect((await ledger.get(key))?.attrs.version).toBe(successes);
      });
    });
  });
}
