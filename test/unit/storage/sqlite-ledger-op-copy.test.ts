/**
 * A fifth hostile review, of two changes: the SqliteLedger's JSON copy of ops, validated again (bf2c9d1), and the
 * PackObjectStore's own copy of an overwrite's body, its skip of a record whose data CRC fails, and moves applied
 * on rebuild only over a row older than their origin (3b2fb8c). Every test below failed when written; all three
 * are FIXED as suggested (a Uint8Array copy, `remove` an array of strings and `add` an object, and/or at most
 * 32 levels deep).
 *
 * Root causes:
 * - put() makes "its own copy" of an overwrite's body with `body.slice()`. For a Uint8Array that is a copy, but
 *   Buffer overrides slice(): Buffer.prototype.slice is a view of the same memory (Node's deprecated alias of
 *   subarray). So for a Buffer (what readRange, fs and most Node code hand around) the CRC is still computed at
 *   call time over the caller's memory and the bytes are written later from that same memory: the fourth review's
 *   bug (a caller reusing its buffer gets the overwrite acknowledged, then reverted by the next scan) is still
 *   there for Buffers. Fix: copy with `Uint8Array.prototype.slice.call(body)` or `new Uint8Array(body)` (or
 *   compute the CRC in the write step over the bytes handed to writev).
 * - bf2c9d1 validates the original ops, copies them through JSON and validates the copy. validateUpdate accepts
 *   any iterable as `remove` (it only for-ofs it), but JSON turns a Set (or any non-array iterable) into {}, so the
 *   copy's validation throws a TypeError ("... is not iterable"), not a StrataError. Before bf2c9d1 the same write
 *   was stored (structuredClone kept the Set; the attribute was removed). Fix: validate `remove` as an array of
 *   strings (Array.isArray, typeof === "string"), which also turns `remove: 5` / `remove: {}` (TypeErrors before
 *   too) into INVALID_ARGUMENT.
 * - (Pre-existing, left by bf2c9d1, whose message says the copy's errors are INVALID_ARGUMENT.) validateCondition
 *   recurses into and/or without a depth limit or cycle check, and it runs before the JSON copy (which would have
 *   reported a cycle as INVALID_ARGUMENT): a cyclic (or very deeply nested) condition rejects with a RangeError
 *   (maximum call stack size exceeded). Fix: a depth limit in validateCondition (DynamoDB bounds expressions too).
 *
 * Held up (no test): a skipped record followed by a torn tail (cut right after the skipped record, later records
 * and reopen fine); a skipped record at the very end of a pack; two skipped overwrites in a row; the watermark after
 * a skip (a reopen does not re-scan, a rebuild skips it again, no revert); new puts after a recovery (always a new
 * pack); moves of moves across several reclaims (with an overwrite between) followed by a lost index; a move over a
 * row from a pack with a smaller id but a larger pos (row values compare lexicographically); a stale move left by a
 * reclaim that raced an overwrite, with partial reclaims; packs from before the flag (byte 9 = 0, bytes 16..28 zero
 * for puts); Proxy / getter / Date / toJSON / NaN attrs through the JSON copy (the copy is what is validated and
 * stored); errors of the copy are INVALID_ARGUMENT; a failed copy does not fail the other writes of its group.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Condition } from "../../../lib/storage/ledger.js";
import { PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import type { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { codeOf, scratchLedger } from "../../support/scratch-ledger.js";
import { bodyOf, packFiles, removeRoot, same, snapshot, tempRoot } from "./pack-store/files.js";

/** The index as a power cut left it (taken earlier), with the packs as they are now (every put fdatasynced). */
async function powerCutImage(early: string, root: string): Promise<void> {
  for (const p of await packFiles(root)) copyFileSync(join(root, p), join(early, p));
}

describe("PackObjectStore: an overwrite's own copy (3b2fb8c)", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
  });
  afterEach(async () => {
    await removeRoot(root);
  });

  it("FIXED: an overwrite from a Buffer the caller reuses is acknowledged, then reverted on open (Buffer.slice is a view)", async () => {
    const store = await PackObjectStore.open({ root });
    await store.put("k", bodyOf(1, 300));
    // a power cut loses the index's WAL suffix (synchronous=NORMAL) from here on; the packs are fdatasynced
    const image = snapshot(root);
    try {
      const body = Buffer.from(bodyOf(2, 300)); // a Buffer, as readRange, fs and most Node code produce
      const over = store.put("k", body); // an overwrite: "its own copy" is body.slice(), the same memory
      body.fill(0xee); // the caller reuses its buffer once put() returned its promise
      await over; // acknowledged
      const acked = await store.get("k"); // what the store says k now holds (0xee bytes, as written)
      await store.close();
      await powerCutImage(image, root);

      const re = await PackObjectStore.open({ root: image });
      try {
        // before the fix: bodyOf(1, 300), the value before the acknowledged overwrite (its record fails its data CRC,
        // computed over the bytes before the caller's fill, and is skipped)
        expect(same(await re.get("k"), acked)).toBe(true);
      } finally {
        await re.close();
      }
    } finally {
      await removeRoot(image);
    }
  });
});

describe("SqliteLedger: ops copied through JSON and validated again (bf2c9d1)", () => {
  let ledger: SqliteLedger;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ ledger, cleanup } = await scratchLedger("fifth-review"));
  });
  afterEach(() => cleanup());

  it("FIXED: an update whose `remove` validates (a Set) fails with a foreign TypeError: JSON turned it into {}", async () => {
    await ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: { a: 1, b: 2 } });
    // validation for-ofs `remove`, so any iterable passes; before bf2c9d1 this write removed `a`
    const remove = new Set(["a"]) as unknown as string[];
    const outcome = await codeOf(ledger.write({ type: "update", key: { pk: "p", sk: "s" }, remove }));
    // before the fix: "not a StrataError: TypeError: object is not iterable ..." (from validating the copy)
    expect(["ok", "INVALID_ARGUMENT"]).toContain(outcome);
  });

  it("FIXED (pre-existing): a cyclic condition rejects with a RangeError, not INVALID_ARGUMENT", async () => {
    const c = { op: "and", conditions: [] as Condition[] } as Extract<Condition, { op: "and" }>;
    c.conditions.push(c);
    const outcome = await codeOf(ledger.write({ type: "check", key: { pk: "p", sk: "s" }, condition: c }));
    // before the fix: "not a StrataError: RangeError: Maximum call stack size exceeded" (validateCondition recurses first)
    expect(outcome).toBe("INVALID_ARGUMENT");
  });
});
