/**
 * Maintenance under faults and concurrency, on both backends:
 * - crash-between-steps: a fault injected before and after each storage call of a partition's run, then a clean
 *   run: the log reads as a clean run leaves it, and no object outlives the next sweep unreferenced;
 * - a run frozen past its lease changes nothing;
 * - produce and fetch keep working, with identical answers, while maintenance merges;
 * - a model-based property (fast-check): whatever the sequence of produce, time, delete-records and maintenance,
 *   the highWatermark never moves back, the log start only moves forward and never past a record that retention
 *   must keep, and every offset in range reads what was produced.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Log } from "../../lib/log/log.js";
import type { MaintenanceJob } from "../../lib/maintenance/dispatcher.js";
import { leaseKey } from "../../lib/maintenance/keys.js";
import { LeaseLostError } from "../../lib/maintenance/lease.js";
import type { Maintenance } from "../../lib/maintenance/maintain.js";
import type { ManualClock } from "../../lib/storage/clock.js";
import type { Ledger } from "../../lib/storage/ledger.js";
import type { ObjectStore } from "../../lib/storage/object-store.js";
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

const options = { mergeMinEntries: 4, leaseMs: 1_000, graceMs: 60_000, orphanAgeMs: 600_000 };

describe.each(backends)("maintenance faults on $name", (backend) => {
  let storage: TestStorage;
  let clock: ManualClock;
  let log: Log;
  let maintenance: Maintenance;

  useMaintenanceWorld(backend, Date.UTC(2025, 2, 1), options, (world) => {
    ({ storage, clock, log, maintenance } = world);
  });

  /** A partition with work for every step: 10 batches to expire (with a second of slack), 4 to merge. */
  async function prepare(): Promise<{ name: string; job: MaintenanceJob; id: string }> {
    const name = topicName("crash");
    const t = await log.createTopic(name, 1, { "retention.ms": 195_000 });
    for (let i = 0; i < 14; i++) {
      await log.produce(name, [
        { key: b(`k${i}`), value: b(`v${i}a`) },
        { key: b(`k${i}`), value: b(`v${i}b`) },
      ]);
      clock.advance(10_000);
    }
    clock.advance(SETTLE);
    return { name, id: t.id, job: { kind: "partition", topic: name, topicId: t.id, partition: 0 } };
  }

  /** Runs everything to the end: leases expire, trash passes its grace, orphans their age. */
  async function settle() {
    await maintainAfter({ clock, maintenance }, new Array<number>(3).fill(options.orphanAgeMs + 3_600_000));
  }

  it("a crash before or after any storage call of a run leaves a log that reads correctly, and no leak", async () => {
    // The clean run, counted: how many calls there are, and what the log reads afterwards.
    const clean = await prepare();
    const calls = await countStorageCalls({ storage, clock }, options, clean.job);
    const expected = await readAll(log, clean.name);
    expect(expected.logStartOffset).toBe(20);
    expect(expected.highWatermark).toBe(28);
    expect(calls).toBeGreaterThan(10);

    const step = backend.name === "aws" ? 4 : 1;
    for (let target = 0; target < calls; target += step) {
      for (const when of ["before", "after"] as const) {
        const { name, id, job } = await prepare();
        const faulty = crashingMaintenance({ storage, clock }, options, target, when);
        await faulty.run(job).catch(() => undefined);
        // Then a clean run after the crashed run's lease expired.
        clock.advance(options.leaseMs + 1);
        await maintenance.run(job);
        const after = await readAll(log, name);
        const tag = `fault ${when} call ${target}`;
        expect(after.highWatermark, tag).toBe(28);
        expect(after.logStartOffset, tag).toBe(20);
        expect(strip(after.records), tag).toEqual(strip(expected.records));
        // Long after (everything expired by then), nothing of the topic is left unreferenced.
        await settle();
        expect(await unreferenced(storage.ledger, storage.store, id), tag).toEqual([]);
        expect((await readAll(log, name)).highWatermark, tag).toBe(28);
      }
    }
  }, 180_000); // one run per storage call of a clean run, each crashed and repaired: long on the emulators

  it("a run frozen past its lease changes nothing", async () => {
    const { name, id, job } = await prepare();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let frozen = false;
    const l = storage.ledger;
    const gated: Ledger = {
      get: (k) => l.get(k),
      query: (pk, o) => l.query(pk, o),
      write: (op) => l.write(op),
      transact: async (ops) => {
        if (!frozen) {
          frozen = true;
          await gate; // a paused Lambda
        }
        return l.transact(ops);
      },
    };
    const slow = maintenanceWith({ storage, clock }, options, { ledger: gated });
    const running = slow.run(job);
    while (!frozen) await new Promise((r) => setTimeout(r, 5));
    clock.advance(options.leaseMs + 1);
    await maintenance.run(job); // takes over the expired lease and does the work
    const entriesBefore = await indexEntries(storage.ledger, id);
    const headBefore = await storage.ledger.get({ pk: `p#${id}#0`, sk: "head" });
    const readBefore = await readAll(log, name);
    release();
    await expect(running).rejects.toBeInstanceOf(LeaseLostError);
    expect(await indexEntries(storage.ledger, id)).toEqual(entriesBefore);
    expect(await storage.ledger.get({ pk: `p#${id}#0`, sk: "head" })).toEqual(headBefore);
    expect(await readAll(log, name)).toEqual(readBefore);
    await settle();
    expect(await unreferenced(storage.ledger, storage.store, id)).toEqual([]);
  });

  it("a live run slower than its lease renews it: a second run meanwhile does nothing, and the slow one finishes", async () => {
    const { name, id, job } = await prepare();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let stalled = false;
    const s = storage.store;
    const slowStore: ObjectStore = {
      put: async (key, body) => {
        if (!stalled) {
          stalled = true;
          await gate; // a long PUT: the process is alive, only this step is slow
        }
        return s.put(key, body);
      },
      get: (key, range) => s.get(key, range),
      delete: (key) => s.delete(key),
      list: (prefix, o) => s.list(prefix, o),
    };
    const slow = maintenanceWith({ storage, clock }, options, { store: slowStore });
    const running = slow.run(job);
    while (!stalled) await new Promise((r) => setTimeout(r, 5));
    const expires = async () => Number((await storage.ledger.get(leaseKey(id, 0)))?.attrs.expires);
    for (let step = 0; step < 5; step++) {
      clock.advance(options.leaseMs * 0.4); // 2 leases in all, each step past the renewal threshold
      const started = Date.now();
      while ((await expires()) < clock.now() + options.leaseMs && Date.now() - started < 10_000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await expires(), `renewed at step ${step}`).toBe(clock.now() + options.leaseMs);
    }
    const other = await maintenance.run(job);
    expect(other).toMatchObject({ kind: "partition", leased: false });
    release();
    const report = await running;
    expect(report).toMatchObject({ kind: "partition", leased: true, logStartAfter: 20 });
    expect((report as { segmentsWritten: number }).segmentsWritten).toBeGreaterThan(0);
    const after = await readAll(log, name);
    expect([after.logStartOffset, after.highWatermark]).toEqual([20, 28]);
  });

  it("produce and fetch run alongside merging with identical answers", async () => {
    const name = topicName("busy");
    await log.createTopic(name, 1, { "retention.ms": -1, "segment.bytes": 4096 });
    // No settle wait, so merging races the producer's newest entries.
    const busy = maintenanceWith({ storage, clock }, { ...options, settleMs: 0, mergeMinEntries: 2 });
    const acked = new Map<number, string>();
    let producing = true;
    const producer = (async () => {
      try {
        for (let i = 0; i < 60; i++) {
          const res = await log.produce(name, [{ key: b(`k${i}`), value: b(`v${i}`) }]);
          const r = res.results[0]!;
          if ("offset" in r) acked.set(r.offset, `v${i}`);
        }
      } finally {
        producing = false;
      }
    })();
    const problems: string[] = [];
    const reader = (async () => {
      while (producing) {
        const all = await readAll(log, name, 0, 5);
        all.records.forEach((r, i) => {
          if (r.offset !== i) problems.push(`offset ${r.offset} at position ${i}`);
          const want = acked.get(r.offset);
          if (want !== undefined && want !== r.value) problems.push(`offset ${r.offset}: ${r.value} != ${want}`);
        });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    let runs = 0;
    while (producing) {
      await busy.maintain();
      runs++;
      // The SQLite ledger answers synchronously: give the producer's I/O a turn.
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all([producer, reader]);
    const t = await log.describeTopic(name);
    // This partition's own last run: maintain() finds work by a round robin over every topic of this shared
    // ledger, so whether its final pass reaches this partition depends on the other tests' topic names.
    await busy.run({ kind: "partition", topic: name, topicId: t.id, partition: 0 });
    expect(problems).toEqual([]);
    expect(runs).toBeGreaterThan(1);
    const all = await readAll(log, name);
    expect(all.records.map((r) => [r.offset, r.value])).toEqual([...acked.entries()].sort((x, y) => x[0] - y[0]));
    expect((await indexEntries(storage.ledger, t.id)).length).toBeLessThan(20);
  });

  it("model: highWatermark never moves back, the log start only forward and never past what retention keeps", async () => {
    const RETENTION = 100_000;
    type Cmd =
      | { kind: "produce"; count: number }
      | { kind: "advance"; ms: number }
      | { kind: "maintain" }
      | { kind: "delete"; fraction: number };
    const cmd = fc.oneof(
      fc.record({ kind: fc.constant("produce" as const), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1_000, max: 200_000 }) }),
      fc.constant({ kind: "maintain" as const }),
      fc.record({ kind: fc.constant("delete" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 3, maxLength: 14 }), async (cmds: Cmd[]) => {
        const name = topicName("model");
        await log.createTopic(name, 1, { "retention.ms": RETENTION });
        // The model: every record produced, the delete-records floor, and the smallest start retention allows.
        const produced: Seen[] = [];
        let floor = 0;
        let lastStart = 0;
        let allowed = 0; // the log start may not pass the first record whose running max timestamp is recent
        for (const c of cmds) {
          if (c.kind === "produce") {
            const res = await log.produce(
              name,
              Array.from({ length: c.count }, (_, j) => ({ key: b("k"), value: b(`${produced.length + j}`) })),
            );
            res.results.forEach((r, j) => {
              if (!("offset" in r)) throw new Error("produce failed");
              produced.push({ offset: r.offset, value: `${r.offset}`, key: "k", timestamp: clock.now() + j * 0 });
            });
          } else if (c.kind === "advance") clock.advance(c.ms);
          else if (c.kind === "delete") {
            const target = Math.floor(c.fraction * produced.length);
            const { lowWatermark } = await maintenance.deleteRecords(log.topics, name, 0, target);
            floor = Math.max(floor, target);
            expect(lowWatermark).toBe(Math.max(lastStart, target));
          } else {
            const cutoff = clock.now() - RETENTION;
            let runningMax = Number.NEGATIVE_INFINITY;
            let keep = produced.length;
            for (const r of produced) {
              runningMax = Math.max(runningMax, r.timestamp);
              if (runningMax >= cutoff) {
                keep = r.offset;
                break;
              }
            }
            allowed = Math.max(allowed, keep);
            await maintenance.maintain();
          }
          const all = await readAll(log, name, 0, 50);
          expect(all.highWatermark).toBe(produced.length);
          expect(all.logStartOffset).toBeGreaterThanOrEqual(lastStart);
          expect(all.logStartOffset).toBeGreaterThanOrEqual(floor);
          expect(all.logStartOffset).toBeLessThanOrEqual(Math.max(floor, allowed));
          lastStart = all.logStartOffset;
          expect(all.records.map((r) => [r.offset, r.value])).toEqual(
            produced.filter((r) => r.offset >= lastStart).map((r) => [r.offset, r.value]),
          );
        }
        // Offsets go on after whatever was removed.
        const res = await log.produce(name, [{ key: b("k"), value: b("last") }]);
        expect(res.results[0]).toEqual({ partition: 0, offset: produced.length });
      }),
      { numRuns: backend.name === "aws" ? 4 : 12, seed: 42 },
    );
  });
});

const strip = (records: Seen[]) => records.map((r) => [r.offset, r.key, r.value]);
