/**
 * The fetch loops: read what the partitions hold from their starts within the limits (records or stored batches)
 * and, when there is nothing yet, wait (waiting.ts) and read again until the wait is over. Once resolved, a start
 * given as earliest, latest or a time stays a plain offset, so waiting never moves it.
 */
import { InvalidArgumentError, StrataError } from "../errors.js";
import type { LogContext } from "./context.js";
import { offsetAfter, type ReadLimits, type ReadResult, type StoredBatch, storedRecords, wireBytes } from "./fetch.js";
import type { BatchesAnswer, BatchesOfPartition, FetchBatchesResult } from "./service.js";
import type { FetchOptions, FetchResult, FetchStart } from "./types.js";
import { waitForCommit } from "./waiting.js";

export const DEFAULT_MAX_RECORDS = 500;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const MAX_WAIT_MS = 20_000;

/** `maxBytes`: this partition's own byte limit within the shared one (Kafka's partition max bytes) */
export type FetchRequest = { topic: string; partition: number; offset: FetchStart; maxBytes?: number };
export type FetchManyOptions = {
  maxBytes?: number;
  maxWaitMs?: number;
  maxRecordsPerPartition?: number;
  /**
   * Kafka's min bytes: the answer waits (up to maxWaitMs) until the partitions hold at least this many bytes
   * between them; 0 answers at once. Default: as soon as any partition has a record.
   */
  minBytes?: number;
  throwErrors?: boolean;
};
export type PartitionFetch = { topic: string; partition: number } & (FetchResult | { error: StrataError });

/** The read limits a request asks for, defaulted and checked. */
export function readLimits(o: { maxRecords?: number; maxBytes?: number }): ReadLimits {
  const maxRecords = o.maxRecords ?? DEFAULT_MAX_RECORDS;
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxRecords) || maxRecords < 1)
    throw new InvalidArgumentError("maxRecords", "maxRecords must be a positive integer");
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new InvalidArgumentError("maxBytes", "maxBytes must be a positive integer");
  return { maxRecords, maxBytes };
}

/** The wait a request asks for, defaulted and checked. */
export function waitMs(ms: number | undefined): number {
  const wait = ms ?? 0;
  if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_MS) {
    throw new InvalidArgumentError("maxWaitMs", `maxWaitMs must be an integer from 0 to ${MAX_WAIT_MS}`);
  }
  return wait;
}

function minBytesOf(minBytes: number | undefined): number | undefined {
  if (minBytes === undefined) return undefined;
  if (!Number.isInteger(minBytes) || minBytes < 0) {
    throw new InvalidArgumentError("minBytes", "minBytes must be a non-negative integer");
  }
  return minBytes;
}

/** One partition's part of a many-partition answer: what it answers, and how much of the shared budget it used. */
interface Taken<A> {
  answer: A;
  bytes: number;
  records: number;
}

/**
 * Many partitions, one shared wait and one shared byte budget, as Kafka's Fetch does: each partition is read from
 * its start and `take` makes its answer from the read and what is left of the budget; the answer is sent as soon
 * as any partition has something (or an error), else the loop waits for a commit and reads again.
 */
async function pollMany<A extends { nextOffset: number }>(
  ctx: LogContext,
  requests: FetchRequest[],
  options: FetchManyOptions,
  take: (read: ReadResult, budget: number, limits: ReadLimits, request: FetchRequest) => Taken<A>,
): Promise<({ topic: string; partition: number } & (A | { error: StrataError }))[]> {
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new InvalidArgumentError("partitions", "at least one partition is required");
  }
  refuseRepeats(requests);
  const limits = readLimits({ maxRecords: options.maxRecordsPerPartition, maxBytes: options.maxBytes });
  const minBytes = minBytesOf(options.minBytes);
  const deadline = ctx.clock.now() + waitMs(options.maxWaitMs);
  const resolved = await Promise.all(
    requests.map(async (r, i) => ({
      ...r,
      topicRecord: await ctx.topics
        .partition(r.topic, r.partition, `partitions[${i}].partition`)
        .catch((e) => e as StrataError),
    })),
  );
  const starts: FetchStart[] = requests.map((r) => r.offset);
  for (;;) {
    let budget = limits.maxBytes;
    let ready = minBytes === 0;
    let gathered = 0;
    let anyRecords = false;
    // where each partition's answer ends: a wait for more (min bytes) waits for commits past it, not past the start
    const waitFrom = [...(starts as number[])];
    const results: ({ topic: string; partition: number } & (A | { error: StrataError }))[] = [];
    for (const [i, r] of resolved.entries()) {
      if (r.topicRecord instanceof Error) {
        if (options.throwErrors) throw r.topicRecord;
        results.push({ topic: r.topic, partition: r.partition, error: r.topicRecord });
        ready = true;
        continue;
      }
      try {
        const read = await ctx.reader.read(r.topicRecord, r.partition, starts[i]!, {
          maxRecords: limits.maxRecords,
          maxBytes: Math.max(1, Math.min(budget, r.maxBytes ?? budget)),
        });
        // Once resolved, "earliest"/"latest"/time become a plain offset so waiting does not move the start.
        starts[i] = read.offset;
        const taken = take(read, budget, limits, r);
        budget -= taken.bytes;
        gathered += taken.bytes;
        ctx.metrics.count("FetchRecords", taken.records, { Topic: r.topic });
        ctx.metrics.count("FetchBytes", taken.bytes, { Topic: r.topic });
        if (taken.records > 0) anyRecords = true;
        results.push({ topic: r.topic, partition: r.partition, ...taken.answer });
        waitFrom[i] = Math.max(read.offset, taken.answer.nextOffset);
      } catch (e) {
        if (options.throwErrors || !(e instanceof StrataError)) throw e;
        results.push({ topic: r.topic, partition: r.partition, error: e });
        ready = true;
      }
    }
    if (anyRecords && gathered >= (minBytes ?? 0)) ready = true;
    const remaining = deadline - ctx.clock.now();
    if (ready || remaining <= 0 || ctx.waiter.isStopped) return results;
    await waitForCommit(ctx, resolved, waitFrom, remaining);
  }
}

/** Many partitions' records (the JSON answers); each partition gets at least one record when it has one. */
export function fetchMany(
  ctx: LogContext,
  requests: FetchRequest[],
  options: FetchManyOptions,
): Promise<PartitionFetch[]> {
  return pollMany(ctx, requests, options, (read, budget, limits) => {
    const out = toRecords(read.batches, read.offset, read.head.logStart, limits.maxRecords, Math.max(1, budget));
    return {
      answer: {
        records: out.records,
        nextOffset: out.nextOffset,
        highWatermark: read.head.next,
        logStartOffset: read.head.logStart,
      },
      bytes: out.bytes,
      records: out.records.length,
    };
  });
}

/**
 * Many partitions' stored batches, no record decoded (the binary answer of POST /v1/fetch). The answer's first
 * batch is always taken, whatever the budget, so a consumer progresses; after it, batches are taken while they fit
 * the budget, and a partition stops once it holds maxRecords.
 */
export function fetchManyBatches(
  ctx: LogContext,
  requests: FetchRequest[],
  options: FetchManyOptions,
): Promise<BatchesAnswer[]> {
  return pollMany<BatchesOfPartition>(ctx, requests, options, (read, budget, limits, request) => {
    const anyTaken = budget < limits.maxBytes;
    // a partition's own limit counts like the shared one: past the first batch of the answer, nothing over it
    const cap = Math.min(budget, request.maxBytes ?? budget);
    const batches: Uint8Array[] = [];
    let bytes = 0;
    let nextOffset = read.offset;
    for (const b of read.batches) {
      if (b.last < read.offset || b.last < read.head.logStart) continue;
      if ((anyTaken || batches.length > 0) && b.bytes.length > cap - bytes) break;
      if (batches.length > 0 && nextOffset - read.offset >= limits.maxRecords) break;
      const wire = wireBytes(b);
      batches.push(wire);
      bytes += wire.length;
      nextOffset = offsetAfter(b);
    }
    const answer = {
      offset: read.offset,
      batches,
      nextOffset,
      highWatermark: read.head.next,
      logStartOffset: read.head.logStart,
    };
    return { answer, bytes, records: nextOffset - read.offset };
  });
}

/** One partition's records; its errors are thrown. */
export async function fetchOne(
  ctx: LogContext,
  topicName: string,
  partition: number,
  options: FetchOptions,
): Promise<FetchResult> {
  const [result] = await fetchMany(ctx, [{ topic: topicName, partition, offset: options.offset }], {
    maxBytes: options.maxBytes,
    maxWaitMs: options.maxWaitMs,
    maxRecordsPerPartition: options.maxRecords,
    throwErrors: true,
  });
  const { topic: _t, partition: _p, ...rest } = result as { topic: string; partition: number } & FetchResult;
  return rest;
}

/** One partition's stored batches as a Kafka client expects them, concatenated; its errors are thrown. */
export async function fetchBatches(
  ctx: LogContext,
  topicName: string,
  partition: number,
  options: FetchOptions,
): Promise<FetchBatchesResult> {
  const [answer] = await fetchManyBatches(ctx, [{ topic: topicName, partition, offset: options.offset }], {
    maxBytes: options.maxBytes,
    maxWaitMs: options.maxWaitMs,
    maxRecordsPerPartition: options.maxRecords,
    throwErrors: true,
  });
  const { batches, nextOffset, highWatermark, logStartOffset } = answer as BatchesOfPartition;
  // Each batch is already its own copy (wireBytes): one batch is the answer as it is, not copied again.
  if (batches.length === 1) return { bytes: batches[0]!, nextOffset, highWatermark, logStartOffset };
  const bytes = new Uint8Array(batches.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of batches) {
    bytes.set(b, at);
    at += b.length;
  }
  return { bytes, nextOffset, highWatermark, logStartOffset };
}

function toRecords(batches: StoredBatch[], offset: number, logStart: number, maxRecords: number, maxBytes: number) {
  const records: FetchResult["records"] = [];
  let bytes = 0;
  let nextOffset = offset;
  const from = Math.max(offset, logStart);
  for (const b of batches) {
    // Decoded one record at a time: the read stops where its limits do, however many records the batch holds.
    const next = storedRecords(b, from);
    for (let r = next(); r !== undefined; r = next()) {
      const size = recordSize(r);
      if (records.length > 0 && (records.length >= maxRecords || bytes + size > maxBytes)) {
        return { records, bytes, nextOffset };
      }
      records.push(r);
      bytes += size;
      nextOffset = r.offset + 1;
    }
    // The whole batch is consumed: move on past it.
    nextOffset = Math.max(nextOffset, offsetAfter(b));
  }
  return { records, bytes, nextOffset };
}

/**
 * A partition named twice in one fetch is refused, naming the second mention: each mention would be read (and
 * decoded) again, and the two answers could not both be right about where the consumer goes next.
 */
function refuseRepeats(requests: { topic: string; partition: number }[]): void {
  const seen = new Map<string, number>();
  requests.forEach((r, i) => {
    const key = JSON.stringify([r.topic, r.partition]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new InvalidArgumentError(
        `partitions[${i}]`,
        `partitions[${i}]: topic ${r.topic} partition ${r.partition} is already named by partitions[${first}]; name each partition once`,
      );
    }
    seen.set(key, i);
  });
}

function recordSize(r: FetchResult["records"][number]): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.name.length + (h.value?.length ?? 0);
  return n;
}
