/**
 * SqliteLedger copies the ops a write is given through JSON, at submit, and validates the copy again: what is
 * stored is exactly what was validated, whatever the caller's objects do afterwards or on each read (a Proxy, an
 * accessor, a Set where an array belongs, a cyclic condition). Every failure is a StrataError (INVALID_ARGUMENT),
 * never a foreign TypeError, RangeError or DataCloneError. Root causes of the bugs these tests caught:
 * - the copy was a structuredClone: a Proxy (an immer draft, a reactive object) passed validation, then threw
 *   DataCloneError; an accessor read once by validation and again by the clone stored what was never validated.
 * - JSON turns a Set (any non-array iterable `remove`) into {}, so validating the copy threw a TypeError: `remove`
 *   is now checked as an array of strings.
 * - validateCondition recursed into and/or without a depth limit, so a cyclic condition overflowed the stack.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Attrs, Condition } from "../../../lib/storage/ledger.js";
import type { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { codeOf } from "../../support/outcome.js";
import { nestedArrays, scratchLedger } from "../../support/scratch-ledger.js";

describe("SqliteLedger: ops copied at submit", () => {
  let ledger: SqliteLedger;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ ledger, cleanup } = await scratchLedger("op-copy"));
  });
  afterEach(() => cleanup());

  it("attrs that validate but structuredClone cannot copy (a Proxy) are stored or refused, never a foreign DataCloneError", async () => {
    // A Proxy over a plain object (an immer draft, a reactive store's object): validation reads it fine and
    // JSON.stringify stores it; it was stored before the copy at submit, which then threw DataCloneError.
    const attrs = new Proxy<Attrs>({ n: 1 }, {});
    const outcome = await codeOf(ledger.write({ type: "put", key: { pk: "p", sk: "proxy" }, attrs }));
    expect(["ok", "INVALID_ARGUMENT"]).toContain(outcome); // before the fix: "not a StrataError: DataCloneError: ..."
  });

  it("attrs read differently by validation and by the copy are stored as validated or refused", async () => {
    const deep = nestedArrays;
    let reads = 0;
    const attrs = {} as Attrs;
    // an accessor (e.g. a model object's computed field): validation sees 1, the clone made after it sees 40 levels
    Object.defineProperty(attrs, "v", { enumerable: true, get: () => (reads++ === 0 ? 1 : deep(40)) });
    const outcome = await codeOf(ledger.write({ type: "put", key: { pk: "g", sk: "getter" }, attrs }));
    const stored = await ledger.get({ pk: "g", sk: "getter" });
    // Either refused, or stored as validated. Before the fix: "ok", and an item nested past MAX_ATTR_DEPTH (32) is stored,
    // which the DynamoDB backend refuses.
    if (outcome === "ok") expect(stored?.attrs).toEqual({ v: 1 });
    else expect(outcome).toBe("INVALID_ARGUMENT");
  });
});

describe("SqliteLedger: ops copied through JSON and validated again", () => {
  let ledger: SqliteLedger;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ ledger, cleanup } = await scratchLedger("op-copy-json"));
  });
  afterEach(() => cleanup());

  it("an update whose `remove` is a Set is applied or refused, never a foreign TypeError (JSON turns it into {})", async () => {
    await ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: { a: 1, b: 2 } });
    // validation for-ofed `remove`, so any iterable passed; before the JSON copy this write removed `a`
    const remove = new Set(["a"]) as unknown as string[];
    const outcome = await codeOf(ledger.write({ type: "update", key: { pk: "p", sk: "s" }, remove }));
    // before the fix: "not a StrataError: TypeError: object is not iterable ..." (from validating the copy)
    expect(["ok", "INVALID_ARGUMENT"]).toContain(outcome);
  });

  it("a cyclic condition is refused as INVALID_ARGUMENT, not a RangeError", async () => {
    const c = { op: "and", conditions: [] as Condition[] } as Extract<Condition, { op: "and" }>;
    c.conditions.push(c);
    const outcome = await codeOf(ledger.write({ type: "check", key: { pk: "p", sk: "s" }, condition: c }));
    // before the fix: "not a StrataError: RangeError: Maximum call stack size exceeded" (validateCondition recurses first)
    expect(outcome).toBe("INVALID_ARGUMENT");
  });
});
