/**
 * One batch of one partition, until every record in it is done: delivered, or dead-lettered. In order:
 *
 * 1. records older than maxRecordAgeMs are dead-lettered, never delivered;
 * 2. the rest go to the target; a partial-batch answer means the records before the lowest one it names are done;
 * 3. what failed, with bisectOnError and more than one record, is split in two halves delivered one after the other
 *    (a split is not a retry, as with Lambda's BisectBatchOnFunctionError), so one bad record ends up alone;
 * 4. otherwise it is retried after an exponential backoff; after maxRetries retries it is dead-lettered.
 *
 * The lease is kept before every call and every wait; a lost lease or a stop ends the batch with Interrupted
 * (nothing is committed, the next deliverer starts from the committed offset again: at least once).
 */
import type { FetchedRecord } from "../log/types.js";
import type { Clock } from "../storage/clock.js";
import { eventOf } from "./event.js";
import type { DeliveryTarget, TargetOutcome } from "./target.js";
import type { Subscription } from "./types.js";

export interface BatchContext {
  subscription: Subscription;
  topic: string;
  partition: number;
  target: DeliveryTarget;
  clock: Clock;
  /** renews the lease when due; false when it was lost */
  keepLease(): Promise<boolean>;
  /** writes records to the dead-letter topic (or logs and drops them when there is none) */
  deadLetter(records: FetchedRecord[], error: string, attempts: number): Promise<void>;
  /** waits, returning early on a stop */
  sleep(ms: number): Promise<void>;
  stopped(): boolean;
  /** the wait before retry number `attempt` (1, 2, ...) */
  backoffMs(attempt: number): number;
  signal?: AbortSignal;
}

export interface BatchReport {
  delivered: number;
  deadLettered: number;
  calls: number;
}

/** Delivery of the partition stopped midway (a stop, a lost lease): nothing past the last commit is done. */
export class Interrupted extends Error {
  constructor(why: string) {
    super(`delivery interrupted: ${why}`);
    this.name = "Interrupted";
  }
}

export async function deliverBatch(ctx: BatchContext, records: FetchedRecord[]): Promise<BatchReport> {
  const report: BatchReport = { delivered: 0, deadLettered: 0, calls: 0 };
  await run(ctx, records, report);
  return report;
}

async function run(ctx: BatchContext, records: FetchedRecord[], report: BatchReport): Promise<void> {
  const { subscription: s } = ctx;
  let pending = records;
  let attempts = 0;
  while (pending.length > 0) {
    pending = await dropAged(ctx, pending, report, attempts);
    if (pending.length === 0) return;
    await guard(ctx);
    report.calls++;
    const outcome = await call(ctx, pending);
    if (outcome.ok) {
      report.delivered += pending.length;
      return;
    }
    const from = outcome.failedFrom === undefined ? 0 : pending.findIndex((r) => r.offset === outcome.failedFrom);
    report.delivered += Math.max(0, from);
    const failing = pending.slice(Math.max(0, from));
    if (s.bisectOnError && failing.length > 1) {
      const half = Math.ceil(failing.length / 2);
      await run(ctx, failing.slice(0, half), report);
      await run(ctx, failing.slice(half), report);
      return;
    }
    attempts++;
    if (s.maxRetries >= 0 && attempts > s.maxRetries) {
      await ctx.deadLetter(failing, outcome.error, attempts);
      report.deadLettered += failing.length;
      return;
    }
    await guard(ctx);
    await ctx.sleep(ctx.backoffMs(attempts));
    pending = failing;
  }
}

/** Records past maxRecordAgeMs go to the dead-letter topic; the others are returned in order. */
async function dropAged(
  ctx: BatchContext,
  records: FetchedRecord[],
  report: BatchReport,
  attempts: number,
): Promise<FetchedRecord[]> {
  const max = ctx.subscription.maxRecordAgeMs;
  if (max < 0) return records;
  const oldest = ctx.clock.now() - max;
  const aged = records.filter((r) => r.timestamp < oldest);
  if (aged.length === 0) return records;
  await ctx.deadLetter(aged, `record older than maxRecordAgeMs (${max} ms)`, attempts);
  report.deadLettered += aged.length;
  return records.filter((r) => r.timestamp >= oldest);
}

async function guard(ctx: BatchContext): Promise<void> {
  if (ctx.stopped()) throw new Interrupted("stopping");
  if (!(await ctx.keepLease())) throw new Interrupted("the partition's lease was lost");
}

async function call(ctx: BatchContext, records: FetchedRecord[]): Promise<TargetOutcome> {
  const event = eventOf(ctx.subscription.name, ctx.subscription.group, ctx.topic, ctx.partition, records);
  try {
    return await ctx.target.deliver(event, ctx.signal);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
