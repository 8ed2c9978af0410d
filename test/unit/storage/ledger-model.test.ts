/**
 * The ledger model (lib/storage/ledger-model.ts) on its own: sort-key order, prefix bounds, query ranges and
 * conditions. The adapters built on it run the conformance suite (test/conformance/ledger-suite.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { QueryOptions } from "../../../lib/storage/ledger.js";
import {
  compareUtf8,
  evaluateCondition,
  matchesSortKey,
  prefixEnd,
  sortKeyRange,
} from "../../../lib/storage/ledger-model.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");
const sign = (n: number) => Math.sign(n);
const bytes = (a: string, b: string) => sign(Buffer.compare(utf8(a), utf8(b)));
// strings over the code points where UTF-16 and UTF-8 order disagree, plus ASCII
const tricky = fc.string({
  unit: fc.constantFrom("a", "b", "~", "\u00e9", "\uFF5E", "\uFFFF", "\uE000", "\u{1F600}", "\u{10FFFF}", "\u{10000}"),
  maxLength: 6,
});
// the same, plus surrogate halves on their own (Node encodes a lone one as U+FFFD)
const withLoneSurrogates = fc.string({
  unit: fc.constantFrom("a", "\uFFFD", "\uFFFF", "\uE000", "\u{1F600}", "\uD83D", "\uDE00", "\uD800", "\uDFFF"),
  maxLength: 6,
});

describe("sort-key order", () => {
  it("compareUtf8 agrees with comparing UTF-8 bytes", () => {
    fc.assert(fc.property(tricky, tricky, (a, b) => sign(compareUtf8(a, b)) === bytes(a, b)));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        return sign(compareUtf8(a, b)) === bytes(a, b);
      }),
    );
  });

  it("compareUtf8 orders strings with lone surrogates as their UTF-8 bytes, as SQLite and DynamoDB receive them", () => {
    fc.assert(fc.property(withLoneSurrogates, withLoneSurrogates, (a, b) => sign(compareUtf8(a, b)) === bytes(a, b)));
    expect(sign(compareUtf8("\uD800", "\uFFFD"))).toBe(0);
    expect(sign(compareUtf8("\uD83D", "\uD83D\uDE00"))).toBe(-1); // EF BF BD < F0 9F 98 80
  });
});

describe("prefix bounds", () => {
  it("prefixEnd bounds exactly the strings that start with the prefix", () => {
    fc.assert(
      fc.property(tricky, tricky, (prefix, s) => {
        const bound = prefixEnd(prefix);
        const inRange = bytes(s, prefix) >= 0 && (bound === undefined || bytes(s, bound) < 0);
        return inRange === s.startsWith(prefix);
      }),
    );
  });

  it("increments the last code point, skipping surrogates and dropping trailing U+10FFFF", () => {
    expect(prefixEnd("a#")).toBe("a$");
    expect(prefixEnd("")).toBeUndefined();
    expect(prefixEnd("\u{10FFFF}")).toBeUndefined();
    expect(prefixEnd("a\u{10FFFF}")).toBe("b");
    expect(prefixEnd("\uD7FF")).toBe("\uE000");
  });
});

describe("query ranges", () => {
  const options: fc.Arbitrary<QueryOptions> = fc.record(
    { gt: tricky, gte: tricky, lt: tricky, lte: tricky, beginsWith: tricky },
    { requiredKeys: [] },
  );

  it("the range of a query's options holds exactly the sort keys that match them", () => {
    fc.assert(
      fc.property(options, tricky, (o, sk) => {
        const range = sortKeyRange(o);
        if (range.empty) return !matchesSortKey(sk, o);
        const { lower, upper } = range;
        const aboveLower = lower === undefined || compareUtf8(sk, lower.value) >= (lower.inclusive ? 0 : 1);
        const belowUpper = upper === undefined || compareUtf8(sk, upper.value) <= (upper.inclusive ? 0 : -1);
        return (aboveLower && belowUpper) === matchesSortKey(sk, o);
      }),
      { numRuns: 2000 },
    );
  });

  it("is empty when the bounds cross or meet exclusively", () => {
    expect(sortKeyRange({ gt: "b", lt: "a" }).empty).toBe(true);
    expect(sortKeyRange({ gt: "a", lt: "a" }).empty).toBe(true);
    expect(sortKeyRange({ gte: "a", lte: "a" }).empty).toBe(false);
    expect(sortKeyRange({ beginsWith: "a#", gte: "a$" }).empty).toBe(true);
  });
});

describe("conditions", () => {
  const item = { s: "x", n: 2, b: true };
  it("ne is the negation of eq: true for a missing attribute or item and for a value of another type", () => {
    expect(evaluateCondition({ op: "ne", attr: "n", value: "2" }, item)).toBe(true);
    expect(evaluateCondition({ op: "ne", attr: "missing", value: 1 }, item)).toBe(true);
    expect(evaluateCondition({ op: "ne", attr: "n", value: 1 }, undefined)).toBe(true);
    expect(evaluateCondition({ op: "ne", attr: "n", value: 2 }, item)).toBe(false);
  });

  it("comparisons are false for a missing attribute or a value of another type", () => {
    for (const op of ["eq", "lt", "le", "gt", "ge"] as const) {
      expect(evaluateCondition({ op, attr: "n", value: "2" }, item)).toBe(false);
      expect(evaluateCondition({ op, attr: "missing", value: 2 }, item)).toBe(false);
    }
    expect(evaluateCondition({ op: "lt", attr: "s", value: "\u{1F600}" }, { s: "\uFF5E" })).toBe(true);
  });
});
