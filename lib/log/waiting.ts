/**
 * Long polls: a fetch with nothing to return waits until one of its partitions may have data past its start.
 * A commit made by this process wakes it at once (waiter.ts); commits made elsewhere are seen by polling the
 * partition heads, spaced out as the number of partitions grows.
 */
import type { StrataError } from "../errors.js";
import { mapLimit } from "../util/map-limit.js";
import type { LogContext } from "./context.js";
import type { TopicRecord } from "./entries.js";

/** Added to the poll interval per waiting partition (1,000 partitions: a poll every ~5 s instead of 250 ms). */
const POLL_MS_PER_PARTITION = 5;

/** A partition a fetch waits on, with its topic (or the error that resolving it gave: never waited on). */
export interface WaitingPartition {
  partition: number;
  topicRecord: TopicRecord | StrataError;
}

/**
 * Waits until one of the partitions has data past its start, the time is up, (other processes) a poll sees it,
 * or `signal` aborts (a live tail whose client went away: its waiter is released at once).
 */
export async function waitForCommit(
  ctx: LogContext,
  resolved: WaitingPartition[],
  starts: number[],
  remaining: number,
  signal?: AbortSignal,
): Promise<void> {
  const keys = resolved.flatMap((r) =>
    r.topicRecord instanceof Error ? [] : [{ topicId: r.topicRecord.id, partition: r.partition }],
  );
  const until = ctx.clock.now() + remaining;
  // A poll reads every waiting partition's head: space polls out as the partition count grows, so one long
  // poll over many partitions costs a bounded number of reads per second (on AWS each is a GetItem).
  const interval = ctx.settings.pollIntervalMs + POLL_MS_PER_PARTITION * keys.length;
  for (;;) {
    const left = until - ctx.clock.now();
    if (left <= 0) return;
    const before = ctx.clock.now();
    await ctx.waiter.wait(keys, Math.min(left, interval), signal);
    if (ctx.waiter.isStopped || signal?.aborted) return;
    // Woken early by a local commit: go read.
    if (ctx.clock.now() - before < interval && ctx.clock.now() < until) return;
    const heads = await mapLimit(resolved, 16, async (r) =>
      r.topicRecord instanceof Error ? undefined : ctx.reader.head(r.topicRecord, r.partition).catch(() => undefined),
    );
    if (heads.some((h, i) => h === undefined || h.next > starts[i]!)) return;
  }
}
