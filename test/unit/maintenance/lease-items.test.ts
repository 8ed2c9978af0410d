/**
 * Maintenance lease items read from the ledger are checked: a well-formed item decodes to its token, expiry and
 * remembered state; a malformed one (wrong type, missing field) is CORRUPT_DATA naming its key.
 */
import { describe, expect, it } from "vitest";
import { leaseKey } from "../../../lib/maintenance/keys.js";
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
