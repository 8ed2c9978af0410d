/**
 * Producer items read from the ledger are checked: a well-formed item decodes to what was written, a malformed one
 * (wrong type, missing field) is CORRUPT_DATA, not retriable, naming the item's key.
 */
import { describe, expect, it } from "vitest";
import { producerStateKey, transactionalIdKey } from "../../../lib/log/keys.js";
import { producerStateFromItem, transactionalIdFromItem } from "../../../lib/log/producers.js";
import type { Item } from "../../../lib/storage/ledger.js";
import { expectCorruptItem } from "../../support/corrupt-item.js";

describe("producer state items", () => {
  const key = producerStateKey("t-1", 0, 7);
  const now = 1_000_000;
  const attrs = { epoch: 2, nextSeq: 10, recent: [[5, 9, 100]], ttl: now / 1000 + 60 };

  it("decode to the state that was written; an expired one reads as absent", () => {
    expect(producerStateFromItem({ ...key, attrs }, now)).toEqual(attrs);
    expect(producerStateFromItem({ ...key, attrs: { ...attrs, ttl: now / 1000 } }, now)).toBeUndefined();
    expect(producerStateFromItem(undefined, now)).toBeUndefined();
  });

  it("with a field of the wrong type is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => producerStateFromItem({ ...key, attrs: { ...attrs, epoch: "2" } }, now), key);
    expectCorruptItem(() => producerStateFromItem({ ...key, attrs: { ...attrs, recent: [[5, 9]] } }, now), key);
  });

  it("with a field missing is CORRUPT_DATA naming the key", () => {
    const { nextSeq: _, ...missing } = attrs;
    expectCorruptItem(() => producerStateFromItem({ ...key, attrs: missing }, now), key);
  });
});

describe("transactional id items", () => {
  const key = transactionalIdKey("payments");

  it("decode to the producer id and epoch that were written", () => {
    const item: Item = { ...key, attrs: { producerId: 12, epoch: 3 } };
    expect(transactionalIdFromItem(item)).toEqual({ producerId: 12, epoch: 3 });
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => transactionalIdFromItem({ ...key, attrs: { producerId: "12", epoch: 3 } }), key);
    expectCorruptItem(() => transactionalIdFromItem({ ...key, attrs: { producerId: 12 } }), key);
  });
});
