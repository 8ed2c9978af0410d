/** What every maintenance step is given: the ports, the clock, and the tunables (all with safe defaults). */
import { randomBytes } from "node:crypto";
import { COMMIT_DEADLINE_MS } from "../log/commit.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Clock } from "../storage/clock.js";
import { systemClock } from "../storage/clock.js";
import type { Ledger } from "../storage/ledger.js";
import type { ObjectStore } from "../storage/object-store.js";

// A produce never commits later than this after its object PUT: the settle time and the sweep build on it.
export { COMMIT_DEADLINE_MS };

export interface MaintenanceOptions {
  /**
   * how long a partition lease lasts unless renewed; a live run renews it every third of it, so this is what a dead
   * runner (kill -9, Lambda timeout) costs its partition; a run that outlives it can change nothing (default 30 s)
   */
  leaseMs?: number;
  /** no run holds a lease longer than this, renewals included (default 15 min, a Lambda's limit; at least leaseMs) */
  maxLeaseHoldMs?: number;
  /** an object with no references left is deleted only this long after it lost the last one (default 5 min) */
  graceMs?: number;
  /**
   * An index entry is touched (dropped, merged, compacted) only once its object is older than this: a producer
   * whose commit outcome was unknown checks the exact entry it may have written until its commit deadline
   * (default: commit deadline + 30 s).
   */
  settleMs?: number;
  /** incoming/ objects older than this with no reference are orphans (default 15 min; > commit deadline) */
  orphanAgeMs?: number;
  /** merged segments hold at most this many bytes, whatever segment.bytes says (default 64 MiB: one Lambda's memory) */
  maxSegmentBytes?: number;
  /** a run of small entries is merged once it has this many entries (or fills a segment) (default 8) */
  mergeMinEntries?: number;
  /** bytes between sparse index points in a merged segment (default 64 KiB) */
  indexIntervalBytes?: number;
  /** partition heads the planner looks at per run when looking for work nobody marked (default 10; 0: none): a safety net, since produce marks partitions due itself */
  scanBudget?: number;
  /** bytes one run rewrites per partition at most, so a worker finishes within its timeout (default 256 MiB) */
  maxRewriteBytesPerRun?: number;
}

export interface MaintenanceDeps {
  ledger: Ledger;
  store: ObjectStore;
  clock?: Clock;
  /** unique names and lease tokens; tests pass a seeded one */
  unique?: () => string;
  options?: MaintenanceOptions;
  /** where runs, jobs, failures and their work are counted (report.ts); default nowhere */
  metrics?: Metrics;
}

export interface Context {
  ledger: Ledger;
  store: ObjectStore;
  clock: Clock;
  unique: () => string;
  opts: Required<MaintenanceOptions>;
}

export function makeContext(deps: MaintenanceDeps): Context {
  const o = deps.options ?? {};
  const leaseMs = o.leaseMs ?? 30_000;
  return {
    ledger: deps.ledger,
    store: deps.store,
    clock: deps.clock ?? systemClock,
    unique: deps.unique ?? (() => randomBytes(8).toString("hex")),
    opts: {
      leaseMs,
      maxLeaseHoldMs: Math.max(leaseMs, o.maxLeaseHoldMs ?? 900_000),
      graceMs: o.graceMs ?? 300_000,
      settleMs: o.settleMs ?? COMMIT_DEADLINE_MS + 30_000,
      orphanAgeMs: Math.max(o.orphanAgeMs ?? 900_000, COMMIT_DEADLINE_MS + 1),
      maxSegmentBytes: o.maxSegmentBytes ?? 64 * 1024 * 1024,
      mergeMinEntries: Math.max(2, o.mergeMinEntries ?? 8),
      indexIntervalBytes: o.indexIntervalBytes ?? 64 * 1024,
      scanBudget: o.scanBudget ?? 10,
      maxRewriteBytesPerRun: o.maxRewriteBytesPerRun ?? 256 * 1024 * 1024,
    },
  };
}
