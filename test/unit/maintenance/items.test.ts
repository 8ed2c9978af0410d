/**
 * Maintenance items read from the ledger (leases, trash and pending marks, topic gc marks) are checked: a
 * well-formed item decodes to what was written; a malformed one (wrong type, missing field) is CORRUPT_DATA
 * naming its key.
 */
import { describe, expect, it } from "vitest";
import { gcMarkFromItem, markFromItem } from "../../../lib/maintenance/items.js";
import { gcPk, leaseKey, pendingKey, trashKey } from "../../../lib/maintenance/keys.js";
import { leaseFromItem } from "../../../lib/maintenance/lease.js";
import { expectCorruptItem } from "../../support/corrupt-item.js";

describe("maintenance lease items", () => {
  const key = leaseKey("t-1", 0);
  const attrs = { token: "tok", expires: 5_000, mergedTo: 40, cleanTo: 30, tombstoneDue: 0, nextDue: "0001#t-1#0" };

  it("decode to the token, expiry and remembered state that were written", () => {
    expect(leaseFromItem({ ...key, attrs })).toEqual({
      token: "tok",
      expires: 5_000,
      state: { mergedTo: 40, cleanTo: 30, tombstoneDue: 0, nextDue: "0001#t-1#0" },
    });
    expect(leaseFromItem({ ...key, attrs: { token: "tok", expires: 0 } })).toEqual({
      token: "tok",
      expires: 0,
      state: {},
    });
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => leaseFromItem({ ...key, attrs: { ...attrs, mergedTo: "40" } }), key);
    const { token: _, ...missing } = attrs;
    expectCorruptItem(() => leaseFromItem({ ...key, attrs: missing }), key);
  });
});

describe("trash and pending marks", () => {
  const trash = trashKey("segments/t-1/0/x");
  const pending = pendingKey("segments/t-1/0/y");

  it("decode to when they were written (and the trash mark's token)", () => {
    expect(markFromItem({ ...trash, attrs: { at: 7, token: "tok" } })).toEqual({ at: 7, token: "tok" });
    expect(markFromItem({ ...pending, attrs: { at: 8 } })).toEqual({ at: 8 });
  });

  it("with a time that is not a number, or none, is CORRUPT_DATA naming the key (never NaN: old enough to act on)", () => {
    expectCorruptItem(() => markFromItem({ ...trash, attrs: { at: "7", token: "tok" } }), trash);
    expectCorruptItem(() => markFromItem({ ...pending, attrs: {} }), pending);
  });
});

describe("topic gc marks", () => {
  const key = { pk: gcPk, sk: "topic#t-1" };

  it("decode to the topic id and partition count", () => {
    expect(gcMarkFromItem({ ...key, attrs: { topicId: "t-1", partitions: 3, name: "orders", at: 1 } })).toEqual({
      topicId: "t-1",
      partitions: 3,
    });
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => gcMarkFromItem({ ...key, attrs: { topicId: "t-1", partitions: "3" } }), key);
    expectCorruptItem(() => gcMarkFromItem({ ...key, attrs: { partitions: 3 } }), key);
  });
});
