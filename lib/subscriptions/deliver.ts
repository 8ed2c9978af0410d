/**
 * Delivery of one partition of one subscription, from its group's committed offset until it is caught up: take
 * the partition's lease, then repeatedly fetch a batch (filled for up to batchWindowMs), deliver it (batch.ts:
 * retries, bisection, dead letters) and commit the offset after it through the group coordinator, checked against
 * the lease in the same transaction. Per partition in order, at least once: a crash between the target's success
 * and the commit delivers that batch again.
 *
 * Once caught up it releases the lease and reads the partition head once more: a wake-up that arrived while it
 * held the lease (and so gave up) is not lost, because the record behind it is visible by then.
 */
import { isStrataError } from "../errors.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { decodeOffset, offsetKey } from "../groups/state.js";
import type { LogService } from "../log/service.js";
import type { FetchedRecord, FetchResult } from "../log/types.js";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger } from "../storage/ledger.js";
import type { Logger } from "../util/logger.js";
import { sleepUnless } from "../util/sleep.js";
import { deliverBatch, Interrupted } from "./batch.js";
import { deadLetterRecords } from "./dead-letter.js";
import { PartitionLease } from "./lease.js";
import type { TargetFactory } from "./target.js";
import type { Subscription } from "./types.js";

export interface DeliverySettings {
  /** the first retry's wait; each next one doubles, up to retryMaxMs */
  retryBaseMs: number;
  retryMaxMs: number;
  /** a partition lease's length (renewed every third of it while delivering) */
  leaseMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { retryBaseMs: 1_000, retryMaxMs: 60_000, leaseMs: 30_000 };

export interface DeliveryDeps {
  ledger: Ledger;
  log: Pick<LogService, "fetch" | "produce" | "describePartitions" | "topicMetadata">;
  groups: Pick<GroupCoordinator, "commitOffsets">;
  clock: Clock;
  logger: Logger;
  targets: TargetFactory;
  settings: DeliverySettings;
}

export interface RunOptions {
  /** stop (between calls; a call in flight is cut) */
  signal?: AbortSignal;
  /** stop starting batches at this time (a Lambda's remaining time) */
  deadline?: number;
}

export type PartitionRun = {
  delivered: number;
  deadLettered: number;
} & ({ outcome: "caught-up" | "stopped" | "deadline" } | { outcome: "busy"; until: number });

export async function deliverPartition(
  deps: DeliveryDeps,
  s: Subscription,
  topic: string,
  partition: number,
  options: RunOptions = {},
): Promise<PartitionRun> {
  const totals = { delivered: 0, deadLettered: 0 };
  for (;;) {
    const lease = new PartitionLease(deps.ledger, deps.clock, s.name, topic, partition, deps.settings.leaseMs);
    const taken = await lease.take();
    if (!taken.ok) return { ...totals, outcome: "busy", until: taken.until };
    let offset: number;
    try {
      lease.startRenewing((e) =>
        deps.logger.warn({ subscription: s.name, topic, partition, err: e }, "lease renewal failed; retrying"),
      );
      const ended = await deliverHeld(deps, s, topic, partition, lease, options, totals);
      if (ended.outcome !== "caught-up") return { ...totals, outcome: ended.outcome };
      offset = ended.offset;
    } catch (e) {
      if (e instanceof Interrupted) return { ...totals, outcome: "stopped" };
      throw e;
    } finally {
      await lease.release();
    }
    // Caught up and released: anything committed meanwhile (whose wake-up found the lease held) is seen now.
    const head = await deps.log.describePartitions(topic, [partition]);
    const hw = head.partitions[0]?.highWatermark ?? 0;
    if (hw <= offset || options.signal?.aborted) return { ...totals, outcome: "caught-up" };
  }
}

async function deliverHeld(
  deps: DeliveryDeps,
  s: Subscription,
  topic: string,
  partition: number,
  lease: PartitionLease,
  options: RunOptions,
  totals: { delivered: number; deadLettered: number },
): Promise<{ outcome: "caught-up"; offset: number } | { outcome: "stopped" | "deadline" }> {
  const signal = options.signal ? AbortSignal.any([options.signal, lease.signal]) : lease.signal;
  const target = deps.targets(s);
  let offset = await startOffset(deps, s, topic, partition);
  for (;;) {
    if (signal.aborted) return { outcome: "stopped" };
    if (options.deadline !== undefined && deps.clock.now() >= options.deadline) return { outcome: "deadline" };
    const batch = await fetchBatch(deps, s, topic, partition, offset, signal);
    if (batch.records.length === 0) {
      if (batch.nextOffset > offset) await commit(deps, s, topic, partition, lease, batch.nextOffset);
      return { outcome: "caught-up", offset: batch.nextOffset };
    }
    const report = await deliverBatch(
      {
        subscription: s,
        topic,
        partition,
        target,
        clock: deps.clock,
        keepLease: () => lease.keep(),
        deadLetter: (records, error, attempts) => deadLetter(deps, s, topic, partition, records, error, attempts),
        sleep: (ms) => sleepUnless(ms, signal),
        stopped: () => signal.aborted,
        backoffMs: (attempt) => Math.min(deps.settings.retryMaxMs, deps.settings.retryBaseMs * 2 ** (attempt - 1)),
        signal,
      },
      batch.records,
    );
    totals.delivered += report.delivered;
    totals.deadLettered += report.deadLettered;
    await commit(deps, s, topic, partition, lease, batch.nextOffset);
    offset = batch.nextOffset;
  }
}

/** The group's committed offset for the partition's current topic incarnation, else the log's start. */
async function startOffset(deps: DeliveryDeps, s: Subscription, topic: string, partition: number): Promise<number> {
  const [item, meta] = await Promise.all([
    deps.ledger.get(offsetKey(s.group, topic, partition)),
    deps.log.topicMetadata(topic),
  ]);
  const committed = item ? decodeOffset(item) : undefined;
  if (committed && committed.topicId === meta.id) return committed.offset;
  const first = await deps.log.fetch(topic, partition, { offset: "earliest", maxRecords: 1, maxWaitMs: 0 });
  return first.logStartOffset;
}

/** Up to batchSize records from `offset`, waiting up to batchWindowMs for more once one is there. */
async function fetchBatch(
  deps: DeliveryDeps,
  s: Subscription,
  topic: string,
  partition: number,
  offset: number,
  signal: AbortSignal,
): Promise<{ records: FetchedRecord[]; nextOffset: number }> {
  let first: FetchResult;
  try {
    first = await deps.log.fetch(topic, partition, { offset, maxRecords: s.batchSize, maxWaitMs: 0 });
  } catch (e) {
    if (!isStrataError(e) || e.code !== "OFFSET_OUT_OF_RANGE") throw e;
    // Retention (or deleteRecords) removed records nobody delivered: go on from the log's start, and say so.
    const start = Number(e.details.logStartOffset ?? offset);
    deps.logger.warn(
      { subscription: s.name, topic, partition, from: offset, to: start },
      "records were deleted before delivery; skipping to the log start",
    );
    if (start <= offset) throw e;
    return { records: [], nextOffset: start };
  }
  const records = [...first.records];
  let next = first.nextOffset;
  const until = deps.clock.now() + s.batchWindowMs;
  while (records.length > 0 && records.length < s.batchSize && !signal.aborted) {
    const left = until - deps.clock.now();
    if (left <= 0) break;
    const more = await deps.log.fetch(topic, partition, {
      offset: next,
      maxRecords: s.batchSize - records.length,
      maxWaitMs: left,
    });
    records.push(...more.records);
    next = more.nextOffset;
  }
  return { records, nextOffset: next };
}

async function commit(
  deps: DeliveryDeps,
  s: Subscription,
  topic: string,
  partition: number,
  lease: PartitionLease,
  offset: number,
): Promise<void> {
  try {
    await deps.groups.commitOffsets(s.group, { offsets: [{ topic, partition, offset }] }, [lease.commitCheck()]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw new Interrupted("the partition's lease was lost before the commit");
    throw e;
  }
}

async function deadLetter(
  deps: DeliveryDeps,
  s: Subscription,
  topic: string,
  partition: number,
  records: FetchedRecord[],
  error: string,
  attempts: number,
): Promise<void> {
  const origin = { subscription: s.name, topic, partition, offsets: records.map((r) => r.offset), error };
  if (s.deadLetterTopic === null) {
    deps.logger.warn(origin, "records failed and the subscription has no dead-letter topic: dropped");
    return;
  }
  const result = await deps.log.produce(
    s.deadLetterTopic,
    deadLetterRecords(s.name, topic, partition, records, error, attempts),
  );
  const failed = result.results.find((r) => "error" in r);
  if (failed && "error" in failed) throw failed.error;
  deps.logger.info({ ...origin, deadLetterTopic: s.deadLetterTopic }, "records dead-lettered");
}
