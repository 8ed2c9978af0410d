/**
 * Maintenance end to end through the domain API, on both backends: retention, delete-records, merging, the
 * orphan sweep, the lease. Time is a ManualClock shared by the log and maintenance.
 */
import { describe, expect, it } from "vitest";
import type { Log } from "../../lib/log/log.js";
import type { Maintenance } from "../../lib/maintenance/maintain.js";
import type { ManualClock } from "../../lib/storage/clock.js";
import { backends, type TestStorage } from "../support/backends.js";
import { expectCode } from "../support/expect.js";
import { b, GRACE, maintainAfter, SETTLE, topicName, useMaintenanceWorld } from "../support/maintenance.js";
import { indexEntries, readAll, unreferenced } from "../unit/maintenance/support.js";

const options = { mergeMinEntries: 4 };

describe.each(backends)("maintenance on $name", (backend) => {
  let storage: TestStorage;
  let clock: ManualClock;
  let log: Log;
  let maintenance: Maintenance;

  useMaintenanceWorld(backend, Date.UTC(2025, 0, 1), options, (world) => {
    ({ storage, clock, log, maintenance } = world);
  });

  /** Produces `count` batches of `per` records each, one clock step apart. */
  async function produce(topic: string, count: number, per = 3, step = 1000, partition = 0) {
    for (let i = 0; i < count; i++) {
      const records = Array.from({ length: per }, (_, j) => ({
        key: b(`k${(i * per + j) % 5}`),
        value: b(`v${i}.${j}`),
        partition,
      }));
      const res = await log.produce(topic, records);
      expect(res.failed).toBe(0);
      clock.advance(step);
    }
  }

  /** Runs maintenance until nothing is left to delete: past settle and grace, twice (trash needs two passes). */
  async function settleAll() {
    await maintainAfter({ clock, maintenance }, [SETTLE + 1, GRACE + 1, GRACE + 1]);
  }

  it("retention.ms moves the log start past expired batches; offsets go on after everything is removed", async () => {
    const name = topicName("ret");
    const t = await log.createTopic(name, 1, { "retention.ms": 60_000 });
    await produce(name, 10, 2, 10_000); // timestamps 0..90 s after start
    // At +100 s, batches with tsHigh < now - 60 s (the first 4) are expired.
    await maintenance.maintain();
    let all = await readAll(log, name);
    expect(all.highWatermark).toBe(20);
    expect(all.logStartOffset).toBe(8);
    expect(all.records.map((r) => r.offset)).toEqual([...Array(12).keys()].map((i) => i + 8));
    await expectCode(log.fetch(name, 0, { offset: 7 }), "OFFSET_OUT_OF_RANGE");

    // Far later: everything is expired, and removed; the highWatermark stays.
    clock.advance(3_600_000);
    await settleAll();
    const d = await log.describeTopic(name);
    expect(d.partitions[0]).toEqual({ partition: 0, logStartOffset: 20, highWatermark: 20 });
    expect(await indexEntries(storage.ledger, t.id)).toEqual([]);
    expect(await unreferenced(storage.ledger, storage.store, t.id)).toEqual([]);
    // Offsets continue; none is reused.
    const res = await log.produce(name, [{ key: b("k"), value: b("after") }]);
    expect(res.results[0]).toEqual({ partition: 0, offset: 20 });
    all = await readAll(log, name);
    expect(all.records.map((r) => [r.offset, r.value])).toEqual([[20, "after"]]);
  });

  it("retention.bytes drops the oldest entries while the rest holds more than the limit", async () => {
    const name = topicName("bytes");
    const t = await log.createTopic(name, 1, { "retention.bytes": 400, "retention.ms": -1 });
    await produce(name, 12, 2, 1000);
    clock.advance(SETTLE + 1);
    const before = await indexEntries(storage.ledger, t.id);
    const total = before.reduce((s, e) => s + e.len, 0);
    await maintenance.maintain();
    const d = await log.describeTopic(name);
    // Kafka's rule: a segment goes when the rest still holds at least retention.bytes.
    let live = total;
    let expected = 0;
    for (const e of before) {
      if (live - e.len < 400) break;
      live -= e.len;
      expected = e.last + 1;
    }
    expect(expected).toBeGreaterThan(0);
    expect(d.partitions[0]!.logStartOffset).toBe(expected);
    expect(d.partitions[0]!.highWatermark).toBe(24);
  });

  it("delete-records advances the log start like Kafka's deleteRecords", async () => {
    const name = topicName("del");
    const t = await log.createTopic(name, 2, { "retention.ms": -1 });
    await produce(name, 5, 2, 1000);
    expect(await maintenance.deleteRecords(log.topics, name, 0, 3)).toEqual({ partition: 0, lowWatermark: 3 });
    // Moving back changes nothing; beyond the highWatermark is out of range with both bounds.
    expect(await maintenance.deleteRecords(log.topics, name, 0, 1)).toEqual({ partition: 0, lowWatermark: 3 });
    const e = await expectCode(maintenance.deleteRecords(log.topics, name, 0, 11), "OFFSET_OUT_OF_RANGE");
    expect(e.details).toMatchObject({ logStartOffset: 3, highWatermark: 10 });
    await expectCode(maintenance.deleteRecords(log.topics, name, 5, 0), "PARTITION_NOT_FOUND");
    await expectCode(maintenance.deleteRecords(log.topics, "no-such-topic", 0, 0), "TOPIC_NOT_FOUND");
    await expectCode(maintenance.deleteRecords(log.topics, name, 0, -2), "INVALID_ARGUMENT");
    const all = await readAll(log, name);
    expect(all.logStartOffset).toBe(3);
    expect(all.records[0]!.offset).toBe(3);
    // The entries below go at the next runs (delete-records marked the partition due), without a scan.
    await settleAll();
    expect((await indexEntries(storage.ledger, t.id)).every((x) => x.last >= 3)).toBe(true);
    expect(await maintenance.deleteRecords(log.topics, name, 0, -1)).toEqual({ partition: 0, lowWatermark: 10 });
    expect((await log.describeTopic(name)).partitions[0]).toMatchObject({ logStartOffset: 10, highWatermark: 10 });
  });

  it("merges small entries into stamped segments; every fetch answers the same before and after", async () => {
    const name = topicName("merge");
    const t = await log.createTopic(name, 2, { "retention.ms": -1, "segment.bytes": 2048 });
    // Multi-partition produces: objects shared by two partitions.
    for (let i = 0; i < 40; i++) {
      const res = await log.produce(name, [
        { value: b(`a${i}`), key: b(`x${i}`), partition: 0 },
        { value: b(`b${i}`), key: b(`y${i}`), partition: 0 },
        { value: b(`c${i}`), key: null, partition: 1 },
      ]);
      expect(res.failed).toBe(0);
      clock.advance(500);
    }
    const before = await readAll(log, name, 0);
    const beforeBatches = await log.fetchBatches(name, 0, { offset: 0, maxRecords: 1000 });
    const byTime = await log.fetch(name, 0, { offset: { timestamp: Date.UTC(2025, 0, 1) + 10_000_000 } });
    expect((await indexEntries(storage.ledger, t.id)).length).toBe(40);
    clock.advance(SETTLE + 1);
    await maintenance.maintain();
    const entries = await indexEntries(storage.ledger, t.id);
    expect(entries.length).toBeLessThan(10);
    expect(entries.every((e) => e.stamped && e.object.startsWith(`segments/${t.id}/0/`))).toBe(true);
    expect(await readAll(log, name, 0)).toEqual(before);
    expect(await readAll(log, name, 0, 1000)).toEqual(before);
    const afterBatches = await log.fetchBatches(name, 0, { offset: 0, maxRecords: 1000 });
    expect(afterBatches.bytes).toEqual(beforeBatches.bytes);
    expect(await log.fetch(name, 0, { offset: { timestamp: Date.UTC(2025, 0, 1) + 10_000_000 } })).toEqual(byTime);
    for (let o = 0; o < 80; o += 9) {
      const r = await log.fetch(name, 0, { offset: o, maxRecords: 3 });
      expect(r.records.map((x) => x.offset)).toEqual([o, o + 1, o + 2].filter((x) => x < 80));
    }
    // Partition 1 was merged too; the shared incoming objects go once neither partition references them.
    await settleAll();
    expect(await unreferenced(storage.ledger, storage.store, t.id)).toEqual([]);
    expect(await readAll(log, name, 0)).toEqual(before);
  });

  it("swaps a long run of entries in steps of at most 100 items and joins them into one segment", async () => {
    const name = topicName("long");
    const t = await log.createTopic(name, 1, { "retention.ms": -1 });
    await produce(name, 130, 1, 10);
    const before = await readAll(log, name, 0, 50);
    clock.advance(SETTLE + 1);
    const report = await maintenance.maintain();
    expect(report.reports.find((r) => r.kind === "partition" && r.topicId === t.id)).toMatchObject({
      merged: 130,
      segmentsWritten: 1,
    });
    const entries = await indexEntries(storage.ledger, t.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ base: 0, last: 129, count: 130, stamped: true });
    expect(await readAll(log, name, 0, 50)).toEqual(before);
    // The head's accounting follows: one entry, its bytes.
    const head = await storage.ledger.get({ pk: `p#${t.id}#0`, sk: "head" });
    expect(head?.attrs.batches).toBe(1);
    expect(head?.attrs.bytes).toBe(entries[0]!.len);
  });

  it("a sparse index lets a read start inside a large segment", async () => {
    const name = topicName("index");
    const t = await log.createTopic(name, 1, { "retention.ms": -1 });
    const big = "x".repeat(20_000);
    for (let i = 0; i < 12; i++) {
      await log.produce(name, [{ key: b(`k${i}`), value: b(`${i}:${big}`) }]);
      clock.advance(10);
    }
    clock.advance(SETTLE + 1);
    await maintenance.maintain();
    const [entry] = await indexEntries(storage.ledger, t.id);
    expect(entry?.index?.length).toBeGreaterThan(2);
    const r = await log.fetch(name, 0, { offset: 9, maxRecords: 1, maxBytes: 1 });
    expect(r.records.map((x) => x.offset)).toEqual([9]);
    expect(new TextDecoder().decode(r.records[0]!.value!).startsWith("9:")).toBe(true);
  });

  it("the orphan sweep deletes unreferenced incoming objects once their hour is old enough", async () => {
    const name = topicName("orphan");
    const t = await log.createTopic(name, 1);
    // A produce that died between its PUT and its commit: an object nobody references.
    const orphan = `incoming/${new Date(clock.now()).toISOString().slice(0, 13)}/${t.id}/${clock.now().toString(36)}-dead.batches`;
    await storage.store.put(orphan, b("junk"));
    await log.produce(name, [{ key: b("k"), value: b("kept") }]);
    await maintenance.maintain();
    expect(await unreferenced(storage.ledger, storage.store, t.id)).toEqual([orphan]);
    clock.advance(2 * 3_600_000);
    await maintenance.maintain();
    expect(await unreferenced(storage.ledger, storage.store, t.id)).toEqual([]);
    expect((await readAll(log, name)).records.map((r) => r.value)).toEqual(["kept"]);
  });

  it("collects a deleted topic: entries, refs, head, and its objects", async () => {
    const name = topicName("gone");
    const t = await log.createTopic(name, 2);
    await produce(name, 6, 2, 100, 1);
    await log.deleteTopic(name);
    await settleAll();
    expect(await indexEntries(storage.ledger, t.id, 1)).toEqual([]);
    expect(await storage.ledger.get({ pk: `p#${t.id}#1`, sk: "head" })).toBeUndefined();
    expect(await storage.ledger.query("gc")).not.toContainEqual(expect.objectContaining({ sk: `topic#${t.id}` }));
    expect(await unreferenced(storage.ledger, storage.store, t.id)).toEqual([]);
  });
});
