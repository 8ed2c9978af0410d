/**
 * Log compaction end to end through the domain API, on both backends, with a fake clock: the latest record of each
 * key survives with its offset, reads move over the gaps (also from inside a removed range, records and binary),
 * tombstones live for delete.retention.ms, the lag window, settling and the dirty ratio gate the work, a crash
 * before or after any storage call of a run is repaired by the next run, and produce/fetch run alongside.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecordBatch, splitBatches } from "../../lib/format/record-batch.js";
import { headKey } from "../../lib/log/keys.js";
import type { Log } from "../../lib/log/log.js";
import type { MaintenanceJob } from "../../lib/maintenance/dispatcher.js";
import type { Maintenance } from "../../lib/maintenance/maintain.js";
import type { PartitionReport } from "../../lib/maintenance/partition.js";
import type { ManualClock } from "../../lib/storage/clock.js";
import { backends, type TestStorage } from "../support/backends.js";
import {
  b,
  countStorageCalls,
  crashingMaintenance,
  maintainAfter,
  maintenanceWith,
  SETTLE,
  topicName,
  useMaintenanceWorld,
} from "../support/maintenance.js";
import { indexEntries, readAll, type Seen, unreferenced } from "../unit/maintenance/support.js";

const options = { leaseMs: 1_000, graceMs: 60_000, orphanAgeMs: 600_000 };

/** What compaction must leave of `produced` (offset order): the latest record of each key. */
function latestPerKey(produced: Seen[]): Seen[] {
  const last = new Map<string | null, number>();
  for (const r of produced) last.set(r.key, r.offset);
  return produced.filter((r) => last.get(r.key) === r.offset);
}

const view = (records: Seen[]) => records.map((r) => [r.offset, r.key, r.value]);

describe.each(backends)("compaction on $name", (backend) => {
  let storage: TestStorage;
  let clock: ManualClock;
  let log: Log;
  let maintenance: Maintenance;

  useMaintenanceWorld(backend, Date.UTC(2025, 3, 1), options, (world) => {
    ({ storage, clock, log, maintenance } = world);
  });

  async function topic(what: string, config: Record<string, string | number> = {}) {
    const name = topicName(what);
    const t = await log.createTopic(name, 1, { "cleanup.policy": "compact", ...config });
    const job: MaintenanceJob = { kind: "partition", topic: name, topicId: t.id, partition: 0 };
    return { name, id: t.id, job };
  }

  /** Produces one batch per call; returns what was produced, as the model sees it. */
  async function produce(name: string, records: [key: string, value: string | null][], produced: Seen[]) {
    const res = await log.produce(
      name,
      records.map(([k, v]) => ({ key: b(k), value: v === null ? null : b(v), partition: 0 })),
    );
    expect(res.failed).toBe(0);
    res.results.forEach((r, i) => {
      if (!("offset" in r)) throw new Error("produce failed");
      produced.push({ offset: r.offset, key: records[i]![0], value: records[i]![1], timestamp: clock.now() });
    });
  }

  /** 12 batches of 3 records over 5 keys, then one batch of a key of its own (the last entry is never compacted). */
  async function fill(name: string, produced: Seen[] = []) {
    for (let i = 0; i < 12; i++) {
      await produce(
        name,
        [0, 1, 2].map((j): [string, string] => [`k${(i * 3 + j) % 5}`, `v${i}.${j}`]),
        produced,
      );
      clock.advance(1_000);
    }
    await produce(name, [["end", "last"]], produced);
    return produced;
  }

  const run = async (job: MaintenanceJob) => (await maintenance.run(job)) as { kind: "partition" } & PartitionReport;

  async function headBytes(id: string) {
    return Number((await storage.ledger.get(headKey(id, 0)))?.attrs.bytes);
  }

  it("keeps the latest record of each key at its offset; reads move over the gaps from any offset", async () => {
    const { name, id, job } = await topic("latest");
    const produced = await fill(name);
    const before = await readAll(log, name);
    expect(view(before.records)).toEqual(view(produced));

    // Still settling (a producer may be checking its commit): nothing is touched.
    expect((await run(job)).compacted).toBe(false);
    expect(view((await readAll(log, name)).records)).toEqual(view(produced));

    clock.advance(SETTLE);
    const report = await run(job);
    expect(report.compacted).toBe(true);
    const want = latestPerKey(produced);
    const after = await readAll(log, name, 0, 2);
    expect(view(after.records)).toEqual(view(want));
    expect(after.highWatermark).toBe(37);
    expect(after.logStartOffset).toBe(0);
    // head.bytes is the sum of what the index references.
    const entries = await indexEntries(storage.ledger, id);
    expect(await headBytes(id)).toBe(entries.reduce((s, e) => s + e.len, 0));
    expect(entries.length).toBeLessThan(13);

    // A consumer positioned anywhere, also inside a removed range, gets the next kept records and moves on.
    for (let offset = 0; offset < 37; offset++) {
      const r = await log.fetch(name, 0, { offset, maxRecords: 1 });
      const next = want.find((x) => x.offset >= offset)!;
      expect(
        r.records.map((x) => x.offset),
        `fetch at ${offset}`,
      ).toEqual([next.offset]);
      expect(r.nextOffset).toBe(next.offset + 1);
      const raw = await log.fetchBatches(name, 0, { offset, maxBytes: 1 });
      expect(raw.nextOffset, `fetchBatches at ${offset}`).toBeGreaterThan(offset);
      const got = splitBatches(raw.bytes).flatMap(({ start, end }) =>
        decodeRecordBatch(raw.bytes.subarray(start, end)).records.map((x) => x.offset),
      );
      expect(got.filter((o) => o >= offset)[0]).toBe(next.offset);
      expect(got.every((o) => want.some((x) => x.offset === o))).toBe(true);
    }

    // Idempotent: a second run changes nothing; offsets go on.
    await run(job);
    expect(view((await readAll(log, name)).records)).toEqual(view(want));
    const res = await log.produce(name, [{ key: b("k0"), value: b("again"), partition: 0 }]);
    expect(res.results[0]).toEqual({ partition: 0, offset: 37 });
  });

  it("keeps a tombstone for delete.retention.ms, then drops it", async () => {
    const { name, job } = await topic("tombstone", { "delete.retention.ms": 600_000 });
    const produced: Seen[] = [];
    await produce(name, [["a", "a1"]], produced);
    await produce(name, [["b", "b1"]], produced);
    const deletedAt = clock.now();
    await produce(name, [["a", null]], produced);
    await produce(name, [["end", "last"]], produced);
    clock.advance(SETTLE);

    const first = await run(job);
    expect(first.compacted).toBe(true);
    // The older record of the key goes; the tombstone stays, and the run asks to come back when it expires.
    expect(view((await readAll(log, name)).records)).toEqual([
      [1, "b", "b1"],
      [2, "a", null],
      [3, "end", "last"],
    ]);
    expect(first.nextDue).toBe(deletedAt + 600_001);

    clock.advance(deletedAt + 600_000 - clock.now());
    await run(job);
    expect((await readAll(log, name)).records.map((r) => r.offset)).toEqual([1, 2, 3]);

    // Past delete.retention.ms: gone, although nothing new was written (the due tombstone starts the run).
    clock.advance(2);
    await run(job);
    const after = await readAll(log, name);
    expect(view(after.records)).toEqual([
      [1, "b", "b1"],
      [3, "end", "last"],
    ]);
    expect(after.highWatermark).toBe(4);
  });

  it("never touches records newer than min.compaction.lag.ms", async () => {
    const LAG = 400_000;
    const { name, job } = await topic("lag", { "min.compaction.lag.ms": LAG, "min.cleanable.dirty.ratio": 0.1 });
    const produced: Seen[] = [];
    await produce(name, [["k", "old"]], produced);
    clock.advance(10_000);
    await produce(name, [["k", "new"]], produced);
    const newAt = clock.now();
    await produce(name, [["end", "last"]], produced);
    clock.advance(SETTLE);

    const early = await run(job);
    expect(early.compacted).toBe(false);
    expect(view((await readAll(log, name)).records)).toEqual(view(produced));
    // Due again when the first blocked entry leaves the window.
    expect(early.nextDue).toBeLessThanOrEqual(newAt - 10_000 + LAG + 1);

    // The old record has left the window but the new one has not: the new one does not supersede it yet.
    clock.advance(newAt - 10_000 + LAG + 1 - clock.now());
    await run(job);
    expect(view((await readAll(log, name)).records)).toEqual(view(produced));

    clock.advance(10_000);
    expect((await run(job)).compacted).toBe(true);
    expect(view((await readAll(log, name)).records)).toEqual([
      [1, "k", "new"],
      [2, "end", "last"],
    ]);
  });

  it("runs only when the dirty ratio passes min.cleanable.dirty.ratio", async () => {
    const { name, id, job } = await topic("ratio", { "min.cleanable.dirty.ratio": 0.5 });
    const produced: Seen[] = [];
    for (let i = 0; i < 10; i++) await produce(name, [[`k${i}`, `a${i}`]], produced);
    await produce(name, [["end", "e0"]], produced);
    clock.advance(SETTLE);
    // All dirty: cleaned (nothing superseded), the clean part becomes one segment.
    expect((await run(job)).compacted).toBe(true);
    expect(view((await readAll(log, name)).records)).toEqual(view(produced));

    // Three small dirty entries against ten clean ones: below the ratio, nothing is removed.
    await produce(name, [["k0", "b0"]], produced);
    await produce(name, [["k1", "b1"]], produced);
    await produce(name, [["end", "e1"]], produced);
    clock.advance(SETTLE);
    expect((await run(job)).compacted).toBe(false);
    expect(view((await readAll(log, name)).records)).toEqual(view(produced));

    // Enough new data: past the ratio, everything superseded goes.
    for (let i = 2; i < 10; i++) await produce(name, [[`k${i}`, `b${i}`]], produced);
    await produce(name, [["end", "e2"]], produced);
    clock.advance(SETTLE);
    const report = await run(job);
    expect(report.compacted).toBe(true);
    const last = produced.at(-1)!;
    expect(view((await readAll(log, name)).records)).toEqual(view([...latestPerKey(produced.slice(0, -1)), last]));
    const entries = await indexEntries(storage.ledger, id);
    expect(await headBytes(id)).toBe(entries.reduce((s, e) => s + e.len, 0));
  });

  it("a LogAppendTime topic keeps each kept record's append time", async () => {
    const { name, job } = await topic("append", { "message.timestamp.type": "LogAppendTime" });
    const produced: Seen[] = [];
    await produce(
      name,
      [
        ["a", "a1"],
        ["b", "b1"],
        ["a", "a2"],
      ],
      produced,
    );
    clock.advance(5_000);
    await produce(
      name,
      [
        ["b", "b2"],
        ["c", "c1"],
      ],
      produced,
    );
    clock.advance(5_000);
    await produce(name, [["end", "last"]], produced);
    const before = await readAll(log, name);
    clock.advance(SETTLE);
    expect((await run(job)).compacted).toBe(true);
    const after = await readAll(log, name);
    const want = latestPerKey(produced).map((r) => r.offset);
    expect(after.records.map((r) => r.offset)).toEqual(want);
    expect(after.records).toEqual(before.records.filter((r) => want.includes(r.offset)));
  });

  it("with compact,delete, retention still removes the old prefix", async () => {
    const { name, job } = await topic("both", { "cleanup.policy": "compact,delete", "retention.ms": 300_000 });
    const produced: Seen[] = [];
    await produce(name, [["a", "a1"]], produced);
    clock.advance(200_000);
    await produce(name, [["b", "b1"]], produced);
    await produce(name, [["b", "b2"]], produced);
    await produce(name, [["end", "last"]], produced);
    clock.advance(SETTLE);
    await run(job);
    const after = await readAll(log, name);
    expect(after.logStartOffset).toBe(1);
    expect(view(after.records)).toEqual([
      [2, "b", "b2"],
      [3, "end", "last"],
    ]);
  });

  it("a crash before or after any storage call of a run is repaired by the next run, with no leak", async () => {
    async function prepare() {
      const t = await topic("crash");
      const produced: Seen[] = [];
      for (let i = 0; i < 10; i++) {
        await produce(
          t.name,
          [
            [`k${i % 3}`, `v${i}a`],
            [`k${(i + 1) % 3}`, i === 7 ? null : `v${i}b`],
          ],
          produced,
        );
        clock.advance(1_000);
      }
      await produce(t.name, [["end", "last"]], produced);
      clock.advance(SETTLE);
      return { ...t, produced };
    }

    const clean = await prepare();
    const calls = await countStorageCalls({ storage, clock }, options, clean.job);
    const expected = await readAll(log, clean.name);
    expect(view(expected.records)).toEqual(view(latestPerKey(clean.produced)));
    expect(calls).toBeGreaterThan(8);

    const ids = [clean.id];
    const step = backend.name === "aws" ? 3 : 1;
    for (let target = 0; target < calls; target += step) {
      for (const when of ["before", "after"] as const) {
        const { name, id, job, produced } = await prepare();
        ids.push(id);
        const faulty = crashingMaintenance({ storage, clock }, options, target, when);
        await faulty.run(job).catch(() => undefined);
        const tag = `fault ${when} call ${target}`;
        // In between, the log reads as before or with superseded records gone: never anything else.
        const mid = await readAll(log, name);
        const kept = new Set(latestPerKey(produced).map((r) => r.offset));
        const seen = new Set(mid.records.map((r) => r.offset));
        expect(
          [...kept].every((o) => seen.has(o)),
          tag,
        ).toBe(true);
        expect(
          mid.records.every((r) => {
            const p = produced[r.offset]!;
            return p.key === r.key && p.value === r.value;
          }),
          tag,
        ).toBe(true);
        // Then a clean run after the crashed run's lease expired.
        clock.advance(options.leaseMs + 1);
        await maintenance.run(job);
        const after = await readAll(log, name);
        expect(after.highWatermark, tag).toBe(21);
        expect(after.logStartOffset, tag).toBe(0);
        expect(view(after.records), tag).toEqual(view(expected.records).map(([o, k, v]) => [o, k, v]));
        const entries = await indexEntries(storage.ledger, id);
        expect(await headBytes(id), tag).toBe(entries.reduce((s, e) => s + e.len, 0));
      }
    }
    // Long after, nothing of these topics is left unreferenced (the sweep found whatever a crash left).
    await maintainAfter({ clock, maintenance }, new Array<number>(3).fill(options.orphanAgeMs + 3_600_000));
    for (const id of ids) expect(await unreferenced(storage.ledger, storage.store, id)).toEqual([]);
  }, 180_000); // one run per storage call of a clean run, each crashed and repaired: long on the emulators

  it("produce and fetch run alongside compaction without a wrong answer", async () => {
    const { name, job } = await topic("busy", { "segment.bytes": 4096, "min.cleanable.dirty.ratio": 0 });
    const busy = maintenanceWith({ storage, clock }, { ...options, settleMs: 0 });
    const acked = new Map<number, { key: string; value: string }>();
    let producing = true;
    const producer = (async () => {
      try {
        for (let i = 0; i < 60; i++) {
          const key = `k${i % 4}`;
          const res = await log.produce(name, [{ key: b(key), value: b(`v${i}`), partition: 0 }]);
          const r = res.results[0]!;
          if ("offset" in r) acked.set(r.offset, { key, value: `v${i}` });
        }
      } finally {
        producing = false;
      }
    })();
    const problems: string[] = [];
    const reader = (async () => {
      while (producing) {
        const all = await readAll(log, name, 0, 5);
        let prev = -1;
        for (const r of all.records) {
          if (r.offset <= prev) problems.push(`offset ${r.offset} after ${prev}`);
          prev = r.offset;
          const want = acked.get(r.offset);
          if (want && (want.key !== r.key || want.value !== r.value)) problems.push(`offset ${r.offset}: ${r.value}`);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    let compactions = 0;
    while (producing) {
      clock.advance(1);
      const report = (await busy.run(job)) as PartitionReport;
      if (report.compacted) compactions++;
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all([producer, reader]);
    clock.advance(1);
    await log.produce(name, [{ key: b("end"), value: b("last"), partition: 0 }]);
    clock.advance(1);
    await busy.run(job);
    expect(problems).toEqual([]);
    expect(compactions).toBeGreaterThan(0);
    const all = await readAll(log, name);
    const model: Seen[] = [...acked.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([offset, r]) => ({ offset, key: r.key, value: r.value, timestamp: 0 }));
    expect(view(all.records.slice(0, -1))).toEqual(view(latestPerKey(model)));
  });

  it("model (fast-check): any produce history with compaction runs in between ends as the latest record per key", async () => {
    const record = fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.option(fc.string({ maxLength: 6 }), { nil: null }));
    const step = fc.record({ batch: fc.array(record, { minLength: 1, maxLength: 4 }), compactAfter: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 10 }), async (steps) => {
        // tombstones kept (they are the latest record of their key here); every entry cleanable once settled
        const { name, job } = await topic("model", {
          "delete.retention.ms": 10 * 365 * 86_400_000,
          "min.cleanable.dirty.ratio": 0,
        });
        const produced: Seen[] = [];
        let lastBatch: Seen[] = [];
        for (const { batch, compactAfter } of steps) {
          const before = produced.length;
          await produce(name, batch, produced);
          lastBatch = produced.slice(before);
          clock.advance(1_000);
          if (compactAfter) {
            clock.advance(SETTLE);
            await run(job);
          }
        }
        clock.advance(SETTLE);
        await run(job);
        await run(job);
        // The last entry is never compacted (Kafka's active segment); everything before it keeps the latest
        // record of each key, judged within that range.
        const cleanable = produced.slice(0, produced.length - lastBatch.length);
        const want = [...latestPerKey(cleanable), ...lastBatch];
        const got = await readAll(log, name, 0, 3);
        expect(view(got.records)).toEqual(view(want));
        expect(got.highWatermark).toBe(produced.length);
        // a consumer at any offset reads on from the next kept record
        for (let offset = 0; offset < produced.length; offset++) {
          const r = await log.fetch(name, 0, { offset, maxRecords: 1 });
          expect(r.records.map((x) => x.offset)).toEqual([want.find((x) => x.offset >= offset)!.offset]);
        }
      }),
      { numRuns: backend.name === "embedded" ? 25 : 6 },
    );
  }, 120_000);
});
