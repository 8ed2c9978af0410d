/**
 * Group items read from the ledger are checked: a well-formed item decodes to what was written, a malformed one
 * (wrong type, missing field) is CORRUPT_DATA, not retriable, naming the item's key.
 */
import { describe, expect, it } from "vitest";
import {
  decodeGroup,
  decodeOffset,
  emptyGroup,
  encodeGroup,
  type GroupRecord,
  offsetKey,
  stateKey,
} from "../../../lib/groups/state.js";
import type { Attrs, Item } from "../../../lib/storage/ledger.js";
import { expectCorruptItem } from "../../support/corrupt-item.js";

const group: GroupRecord = {
  version: 3,
  groupEpoch: 2,
  lastMemberEpoch: 5,
  members: {
    m1: {
      topics: ["orders"],
      sessionTimeoutMs: 10_000,
      memberEpoch: 5,
      previousEpoch: 4,
      renewedAt: 1_000,
      assigned: { orders: [0, 1] },
      revoking: {},
      joinId: "j1",
    },
  },
  topics: { orders: { id: "t-1", partitions: 2 } },
  fenced: [{ memberId: "m0", memberEpoch: 1, until: 2_000, partitions: { orders: [1] } }],
};

describe("group state items", () => {
  const key = stateKey("g1");

  it("decode to the group that was written, as a copy the caller may change", () => {
    const item: Item = { ...key, attrs: encodeGroup(group) };
    const decoded = decodeGroup(item);
    expect(decoded).toEqual(group);
    decoded.members.m1!.assigned.orders!.push(9);
    expect(group.members.m1!.assigned.orders).toEqual([0, 1]);
    expect(decodeGroup({ ...key, attrs: { version: 0, groupEpoch: 0, lastMemberEpoch: 0 } })).toEqual(emptyGroup());
  });

  it("with a field of the wrong type is CORRUPT_DATA naming the key", () => {
    const attrs = encodeGroup(group) as Attrs;
    expectCorruptItem(() => decodeGroup({ ...key, attrs: { ...attrs, version: "3" } }), key);
    expectCorruptItem(() => decodeGroup({ ...key, attrs: { ...attrs, members: { m1: { topics: "orders" } } } }), key);
    expectCorruptItem(() => decodeGroup({ ...key, attrs: { ...attrs, fenced: {} } }), key);
  });

  it("with a field missing is CORRUPT_DATA naming the key", () => {
    const { groupEpoch: _, ...attrs } = encodeGroup(group);
    expectCorruptItem(() => decodeGroup({ ...key, attrs }), key);
  });
});

describe("committed offset items", () => {
  const key = offsetKey("g1", "orders", 0);
  const stored = { topic: "orders", partition: 0, topicId: "t-1", offset: 42, metadata: "", committedAt: 7 };

  it("decode to the commit that was written", () => {
    expect(decodeOffset({ ...key, attrs: { ...stored } })).toEqual(stored);
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => decodeOffset({ ...key, attrs: { ...stored, offset: "42" } }), key);
    const { topicId: _, ...missing } = stored;
    expectCorruptItem(() => decodeOffset({ ...key, attrs: missing }), key);
  });
});
