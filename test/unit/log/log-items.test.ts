/**
 * The log's own items read from the ledger (topics, partition heads, batch entries) are checked: a well-formed
 * item decodes to what was written, a malformed one (wrong type, missing field) is CORRUPT_DATA naming its key.
 */
import { describe, expect, it } from "vitest";
import { type BatchEntry, entryAttrs, entryFromItem, headFromAttrs, topicFromItem } from "../../../lib/log/entries.js";
import { batchKey, headKey, topicKey } from "../../../lib/log/keys.js";
import { expectCorruptItem } from "../../support/corrupt-item.js";

describe("topic items", () => {
  const key = topicKey("orders");
  const attrs = { id: "t-1", partitions: 3, config: { "retention.ms": "1000" }, state: "active", createdAt: 5 };

  it("decode to the topic that was written", () => {
    expect(topicFromItem({ ...key, attrs })).toEqual({ name: "orders", ...attrs });
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => topicFromItem({ ...key, attrs: { ...attrs, partitions: "3" } }), key);
    expectCorruptItem(() => topicFromItem({ ...key, attrs: { ...attrs, state: "gone" } }), key);
    const { id: _, ...missing } = attrs;
    expectCorruptItem(() => topicFromItem({ ...key, attrs: missing }), key);
  });
});

describe("partition head items", () => {
  const key = headKey("t-1", 0);

  it("decode to the head that was written; an absent head is empty", () => {
    expect(headFromAttrs({ next: 9, logStart: 2, bytes: 100, maxTs: 7 }, key)).toEqual({
      next: 9,
      logStart: 2,
      bytes: 100,
      maxTs: 7,
      deleted: false,
    });
    expect(headFromAttrs({})).toEqual({ next: 0, logStart: 0, bytes: 0, maxTs: -1, deleted: false });
  });

  it("with a field of the wrong type is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => headFromAttrs({ next: "9" }, key), key);
  });
});

describe("batch entry items", () => {
  const entry: BatchEntry = {
    base: 10,
    last: 19,
    object: "in/t-1/x",
    pos: 0,
    len: 500,
    count: 10,
    maxTs: 7,
    tsHigh: 7,
    index: [[15, 250]],
  };
  const key = batchKey("t-1", 0, 19);

  it("decode to the entry that was written", () => {
    expect(entryFromItem({ ...key, attrs: entryAttrs(entry) })).toEqual(entry);
  });

  it("with a field of the wrong type or missing is CORRUPT_DATA naming the key", () => {
    expectCorruptItem(() => entryFromItem({ ...key, attrs: { ...entryAttrs(entry), object: 5 } }), key);
    expectCorruptItem(() => entryFromItem({ ...key, attrs: { ...entryAttrs(entry), index: [[15]] } }), key);
    const { len: _, ...missing } = entryAttrs(entry);
    expectCorruptItem(() => entryFromItem({ ...key, attrs: missing }), key);
  });
});
