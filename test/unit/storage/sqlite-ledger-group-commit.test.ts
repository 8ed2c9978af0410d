/**
 * SqliteLedger's group commit (the writes issued in one turn share one transaction and one fsync): a write SQLite
 * refuses fails alone, not its group; attrs nest at most 32 levels deep; a write stores its op as it was when
 * issued. Root causes of the bugs these tests caught:
 * - every SQLite error was treated as "SQLite failing" and rethrown out of the group's transaction, rolling back
 *   and rejecting every write of the turn; but some belong to one statement (attrs nested 1000 deep are refused by
 *   SQLite's JSON parser while it computes the items_ttl index, the transaction still open). An error inside one
 *   write's savepoint is now that write's answer unless SQLite ended the transaction, and attrs are refused past
 *   DynamoDB's 32 levels before they reach SQLite.
 * - the op was read when the group flushed, not when the write was issued: an op changed in between was stored as
 *   changed, and one made invalid after its validation (a bigint) failed inside the group, with every other write
 *   of it. submit() now copies the ops in the call, right after validating them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import type { Attrs } from "../../../lib/storage/ledger.js";
import type { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { nestedArrays, scratchLedger } from "../../support/scratch-ledger.js";

const outcomeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof StrataError ? `${e.code}: ${e.message}` : `not a StrataError: ${String(e)}`),
  );

// SQLite's JSON parser refuses values nested 1000 deep and more (JSON_MAX_DEPTH)
const nested = nestedArrays;

describe("SqliteLedger group commit", () => {
  let ledger: SqliteLedger;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ ledger, cleanup } = await scratchLedger("group-commit"));
  });
  afterEach(() => cleanup());

  it("a write SQLite refuses (JSON 1000 deep) fails alone, also when issued with others", async () => {
    // Control: in turns of their own, the deep write fails alone and the plain one commits.
    expect(await outcomeOf(ledger.write({ type: "put", key: { pk: "a", sk: "alone" }, attrs: { n: 1 } }))).toBe("ok");
    expect(
      await outcomeOf(ledger.write({ type: "put", key: { pk: "b", sk: "deep" }, attrs: { v: nested(1000) } })),
    ).toMatch(/^INVALID_ARGUMENT: /);

    // Same two writes, issued together (as two produces continuing after one fdatasync are).
    const [plain, deep] = await Promise.all([
      outcomeOf(ledger.write({ type: "put", key: { pk: "a", sk: "together" }, attrs: { n: 2 } })),
      outcomeOf(ledger.write({ type: "put", key: { pk: "b", sk: "deep2" }, attrs: { v: nested(1000) } })),
    ]);
    expect(deep).toMatch(/^INVALID_ARGUMENT: /);
    expect(plain).toBe("ok");
    expect((await ledger.get({ pk: "a", sk: "together" }))?.attrs).toEqual({ n: 2 });
    expect(await ledger.get({ pk: "b", sk: "deep2" })).toBeUndefined();
  });

  it("attrs nest at most 32 levels deep, as on DynamoDB; the error names the field", async () => {
    expect(await outcomeOf(ledger.write({ type: "put", key: { pk: "d", sk: "32" }, attrs: { v: nested(31) } }))).toBe(
      "ok",
    );
    const e = await ledger.write({ type: "put", key: { pk: "d", sk: "33" }, attrs: { v: nested(32) } }).catch((x) => x);
    expect(e).toBeInstanceOf(StrataError);
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.details?.field).toMatch(/^op\.attrs\.v(\[0\])+$/);
    expect(await ledger.get({ pk: "d", sk: "33" })).toBeUndefined();
  });

  it("a statement SQLite refuses in one write rolls back that write only, not its group", async () => {
    // No valid input reaches such an error any more, so inject one: the upsert of one key throws as SQLite
    // does for a statement it refuses (the transaction stays open).
    const internals = ledger as unknown as { upsertStmt: { run(...args: unknown[]): unknown } };
    const real = internals.upsertStmt;
    internals.upsertStmt = {
      run: (...args: unknown[]) => {
        if (args[0] === "refused")
          throw Object.assign(new Error("injected: statement refused"), { code: "SQLITE_ERROR" });
        return real.run(...args);
      },
    };
    const commitsBefore = ledger.commits;
    const [before, refused, after] = await Promise.all([
      outcomeOf(ledger.write({ type: "put", key: { pk: "e", sk: "before" }, attrs: { n: 1 } })),
      outcomeOf(
        ledger.transact([
          { type: "put", key: { pk: "e", sk: "part-of-refused" }, attrs: { n: 2 } },
          { type: "put", key: { pk: "refused", sk: "x" }, attrs: { n: 3 } },
        ]),
      ),
      outcomeOf(ledger.write({ type: "put", key: { pk: "e", sk: "after" }, attrs: { n: 4 } })),
    ]);
    expect(ledger.commits).toBe(commitsBefore + 1); // one group
    expect(before).toBe("ok");
    expect(after).toBe("ok");
    expect(refused).toMatch(/^UNAVAILABLE: .*injected: statement refused/);
    expect((await ledger.get({ pk: "e", sk: "before" }))?.attrs).toEqual({ n: 1 });
    expect((await ledger.get({ pk: "e", sk: "after" }))?.attrs).toEqual({ n: 4 });
    // the refused transaction is atomic: its first put was rolled back with it
    expect(await ledger.get({ pk: "e", sk: "part-of-refused" })).toBeUndefined();
  });

  it("a write stores its attrs as they were when it was issued, not as they are when the group flushes", async () => {
    // write() validates the op and returns; the op itself is read (conditions evaluated, attrs stringified) in
    // the flush microtask. The DynamoDB adapter (renderWrite, called before its first await) and this adapter
    // before group commit capture the op inside the call.
    const attrs: Attrs = { version: 1 };
    const first = ledger.write({ type: "put", key: { pk: "c", sk: "x" }, attrs });
    attrs.version = 2; // the caller moves on (e.g. a shared state object updated by the next request)
    await first;
    expect((await ledger.get({ pk: "c", sk: "x" }))?.attrs).toEqual({ version: 1 }); // was { version: 2 }
  });

  it("an op changed after write() validated it changes nothing: it is stored as validated", async () => {
    // Before the fix: validated in the call, stringified in the flush. The TypeError JSON.stringify threw
    // there was neither a ConditionFailedError nor an InvalidArgumentError, so the group rethrew it and rolled
    // back the writes of the other callers too (UNAVAILABLE, not retriable).
    const bad: Attrs = { n: 1 };
    const issueThenSpoil = () => {
      const p = ledger.write({ type: "put", key: { pk: "c", sk: "late" }, attrs: bad });
      (bad as Record<string, unknown>).n = 10n; // after validation, before the flush
      return p;
    };
    const [other, late] = await Promise.all([
      outcomeOf(ledger.write({ type: "put", key: { pk: "c", sk: "other" }, attrs: { n: 3 } })),
      outcomeOf(issueThenSpoil()),
    ]);
    expect(other).toBe("ok"); // was "UNAVAILABLE: ledger ...: Do not know how to serialize a BigInt"
    expect(late).toBe("ok");
    expect((await ledger.get({ pk: "c", sk: "other" }))?.attrs).toEqual({ n: 3 });
    expect((await ledger.get({ pk: "c", sk: "late" }))?.attrs).toEqual({ n: 1 });
  });
});
