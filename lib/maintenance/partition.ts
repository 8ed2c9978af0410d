/**
 * One partition's maintenance, under its lease: retention (move the log start), drop what lies wholly below the
 * log start, join what an interrupted swap left, merge small entries into segments (or compact, for compacted
 * topics), then schedule the next run in the due index.
 */
import { numericConfig } from "../log/config.js";
import { type BatchEntry, entryFromItem, headFromAttrs, type PartitionHead, type TopicRecord } from "../log/entries.js";
import { batchPk, headKey, pad20 } from "../log/keys.js";
import type { WriteOp } from "../storage/ledger.js";
import { compactPartition } from "./compact.js";
import type { Context } from "./context.js";
import { advanceLogStartOp, DUE_PK, dueKey, liveHead } from "./keys.js";
import { Lease } from "./lease.js";
import { entriesFrom, entriesIn, newSegmentKey, putAndSwap, segmentTarget, settled } from "./rewrite.js";
import { layout, readEntries } from "./segments.js";
import { collapse, collapsibleRuns, dropEntries, type PartitionRef } from "./swap.js";

export interface PartitionReport {
  topicId: string;
  partition: number;
  /** false when another run held the lease (nothing was done) */
  leased: boolean;
  logStartBefore?: number;
  logStartAfter?: number;
  dropped: number;
  merged: number;
  segmentsWritten: number;
  compacted: boolean;
  nextDue?: number;
}

export async function maintainPartition(
  ctx: Context,
  topic: TopicRecord,
  partition: number,
  dueItems: string[] = [],
): Promise<PartitionReport> {
  const report: PartitionReport = {
    topicId: topic.id,
    partition,
    leased: false,
    dropped: 0,
    merged: 0,
    segmentsWritten: 0,
    compacted: false,
  };
  const lease = await Lease.acquire(ctx, topic.id, partition);
  if (!lease) return report;
  report.leased = true;
  try {
    await underLease(ctx, lease, topic, partition, dueItems, report);
  } finally {
    lease.stop(); // a run that failed stops renewing: its lease ends within leaseMs
  }
  return report;
}

async function underLease(
  ctx: Context,
  lease: Lease,
  topic: TopicRecord,
  partition: number,
  dueItems: string[],
  report: PartitionReport,
): Promise<void> {
  const p: PartitionRef = { topicId: topic.id, partition };
  let head = await readHead(ctx, p);
  if (!head) {
    await lease.release();
    return;
  }
  report.logStartBefore = head.logStart;
  head = await applyRetention(ctx, lease, topic, p, head);
  report.logStartAfter = head.logStart;
  report.dropped = await dropBelowStart(ctx, lease, p, head.logStart);
  await collapseAdjacent(ctx, lease, p, head.logStart);
  const compacted = isCompacted(topic) ? await compactPartition(ctx, lease, topic, p, head) : undefined;
  if (compacted) report.compacted = compacted.compacted;
  if (!compacted?.compacted) {
    // On a compacted topic merging stays above cleanTo: an entry joining clean and dirty records would count as
    // dirty as a whole and set compaction off early (compaction merges the clean part itself).
    const cleanTo = compacted?.cleanTo ?? 0;
    const merged = await mergeSmallEntries(ctx, lease, topic, p, Math.max(head.logStart, cleanTo));
    report.merged = merged.entries;
    report.segmentsWritten = merged.segments;
  }
  report.nextDue = await schedule(ctx, lease, topic, p, dueItems, compacted?.nextDue);
  await lease.release();
}

export const isCompacted = (topic: TopicRecord) => (topic.config["cleanup.policy"] ?? "delete").includes("compact");
const deletes = (topic: TopicRecord) => (topic.config["cleanup.policy"] ?? "delete").includes("delete");

async function readHead(ctx: Context, p: PartitionRef): Promise<PartitionHead | undefined> {
  const item = await ctx.ledger.get(headKey(p.topicId, p.partition));
  if (!item || item.attrs.topicId !== p.topicId) return undefined;
  const head = headFromAttrs(item.attrs, item);
  return head.deleted ? undefined : head;
}

/**
 * retention.ms and retention.bytes (cleanup.policy delete): the log start moves past the longest prefix of
 * entries that is wholly too old (tsHigh, the running maximum of timestamps, is below the cutoff) or that can go
 * while the rest still holds retention.bytes. Only the log start moves, in the ledger, fenced by the lease, and
 * only forward; the entries and objects go afterwards. highWatermark is never touched.
 */
async function applyRetention(
  ctx: Context,
  lease: Lease,
  topic: TopicRecord,
  p: PartitionRef,
  head: PartitionHead,
): Promise<PartitionHead> {
  if (!deletes(topic)) return head;
  const retentionMs = numericConfig(topic.config, "retention.ms");
  const retentionBytes = numericConfig(topic.config, "retention.bytes");
  const timeOn = retentionMs >= 0 && Number.isFinite(retentionMs);
  const bytesOn = retentionBytes >= 0 && Number.isFinite(retentionBytes);
  if (!timeOn && !bytesOn) return head;
  const cutoff = ctx.clock.now() - retentionMs;
  // Bytes of entries already below the start still count in head.bytes until they are dropped.
  let live = head.bytes;
  if (bytesOn) {
    for await (const e of entriesBelow(ctx, p, head.logStart)) live -= e.len;
  }
  let start = head.logStart;
  for await (const e of entriesFrom(ctx, p, head.logStart)) {
    const expired = timeOn && e.tsHigh < cutoff;
    const oversize = bytesOn && live - e.len >= retentionBytes;
    if (!expired && !oversize) break;
    live -= e.len;
    start = Math.max(start, e.last + 1);
  }
  if (start <= head.logStart) return head;
  await lease.transact([advanceLogStartOp(p.topicId, p.partition, start)]);
  // Either ours or a concurrent delete-records moved it (further): read what it is now.
  return (await readHead(ctx, p)) ?? head;
}

/** Entries that begin below the log start; none, and no request, while it is 0. */
async function* entriesBelow(ctx: Context, p: PartitionRef, logStart: number): AsyncGenerator<BatchEntry> {
  if (logStart > 0) yield* entriesIn(ctx, p, { lt: logStart });
}

/** Entries wholly below the log start, once settled, go with their refs; their objects go to the trash. */
async function dropBelowStart(ctx: Context, lease: Lease, p: PartitionRef, logStart: number): Promise<number> {
  const doomed: BatchEntry[] = [];
  for await (const e of entriesBelow(ctx, p, logStart)) if (e.last < logStart && settled(ctx, e)) doomed.push(e);
  return dropEntries(ctx, lease, p, doomed);
}

/** Joins adjacent entries of one segment (what an interrupted swap leaves behind). */
async function collapseAdjacent(ctx: Context, lease: Lease, p: PartitionRef, logStart: number): Promise<void> {
  const from = Math.max(logStart, (lease.state.mergedTo ?? 0) - 1);
  const entries: BatchEntry[] = [];
  for await (const e of entriesFrom(ctx, p, from)) {
    entries.push(e);
    if (entries.length >= 10_000) break;
  }
  for (const run of collapsibleRuns(entries)) await collapse(ctx, lease, p, run, ctx.opts.indexIntervalBytes);
}

/**
 * Groups of consecutive small, settled entries from the merge point on. A group is closed when it reaches the
 * segment size; the last, unfilled group is merged once it has mergeMinEntries entries. Entries that are already
 * big segments break groups (they are never rewritten by merging).
 */
export function mergeGroups(entries: BatchEntry[], target: number, minEntries: number, maxBytes: number) {
  const groups: BatchEntry[][] = [];
  let group: BatchEntry[] = [];
  let bytes = 0;
  let total = 0;
  const close = (force: boolean) => {
    if (group.length >= 2 && (force || group.length >= minEntries)) groups.push(group);
    group = [];
    bytes = 0;
  };
  for (const e of entries) {
    if (total >= maxBytes) break;
    const big = e.stamped === true && e.len >= target / 2;
    if (big) {
      close(false);
      continue;
    }
    if (bytes + e.len > target && group.length > 0) close(true);
    group.push(e);
    bytes += e.len;
    total += e.len;
  }
  close(false);
  return groups;
}

async function mergeSmallEntries(
  ctx: Context,
  lease: Lease,
  topic: TopicRecord,
  p: PartitionRef,
  logStart: number,
): Promise<{ entries: number; segments: number }> {
  const target = segmentTarget(ctx, topic);
  const from = Math.max(logStart, lease.state.mergedTo ?? 0);
  const candidates: BatchEntry[] = [];
  for await (const e of entriesFrom(ctx, p, from)) {
    if (!settled(ctx, e)) break;
    candidates.push(e);
    if (candidates.length >= 50_000) break;
  }
  const groups = mergeGroups(candidates, target, ctx.opts.mergeMinEntries, ctx.opts.maxRewriteBytesPerRun);
  let merged = 0;
  let segments = 0;
  const full = new Set<BatchEntry>();
  for (const group of groups) {
    const written = await writeSegment(ctx, lease, p, group);
    if (!written) break;
    merged += group.length;
    segments++;
    if (group.reduce((n, e) => n + e.len, 0) >= target / 2) for (const e of group) full.add(e);
  }
  // Remember where small entries start, so the next run does not look at the whole log again.
  const small = candidates.find((e) => !full.has(e) && !(e.stamped && e.len >= target / 2));
  const mergedTo = small ? small.base : candidates.length > 0 ? candidates.at(-1)!.last + 1 : from;
  if (mergedTo !== (lease.state.mergedTo ?? 0)) await lease.transact([], { mergedTo });
  return { entries: merged, segments };
}

/** Reads a group's batches, writes them as one segment object, and swaps the index entries over to it. */
async function writeSegment(ctx: Context, lease: Lease, p: PartitionRef, group: BatchEntry[]): Promise<boolean> {
  const batches = await readEntries(ctx.store, group);
  const { body, slices } = layout(
    group.map((old, i) => ({ old, batches: batches[i]!, count: old.count, maxTs: old.maxTs })),
    ctx.opts.indexIntervalBytes,
  );
  const object = newSegmentKey(ctx, p, group[0]!.base);
  return putAndSwap(ctx, lease, p, object, body, slices);
}

/**
 * The next time this partition has work nobody will announce: the oldest live entry expiring, entries still
 * settling. One due item per partition (the lease item remembers it), so the index stays as small as the set of
 * partitions with work ahead.
 */
async function schedule(
  ctx: Context,
  lease: Lease,
  topic: TopicRecord,
  p: PartitionRef,
  dueItems: string[],
  compactionDue: number | undefined,
): Promise<number | undefined> {
  const now = ctx.clock.now();
  const head = await readHead(ctx, p);
  let next = compactionDue ?? Number.POSITIVE_INFINITY;
  if (head) {
    const retentionMs = numericConfig(topic.config, "retention.ms");
    const [first] = await ctx.ledger.query(batchPk(p.topicId, p.partition), { limit: 1 });
    if (first) {
      const e = entryFromItem(first);
      if (e.last < head.logStart) next = Math.min(next, now + ctx.opts.settleMs);
      else if (deletes(topic) && retentionMs >= 0 && Number.isFinite(retentionMs)) {
        // Retention starts from the log start, but the first entry at or after it has the oldest tsHigh.
        const [live] = await ctx.ledger.query(batchPk(p.topicId, p.partition), { gte: pad20(head.logStart), limit: 1 });
        if (live) next = Math.min(next, Math.max(now + 1, entryFromItem(live).tsHigh + retentionMs + 1));
      }
    }
  }
  const nextDue = Number.isFinite(next) ? next : undefined;
  const previous = lease.state.nextDue;
  const ops: WriteOp[] = [];
  const sk = nextDue === undefined ? undefined : dueKey(nextDue, p.topicId, p.partition).sk;
  const stale = new Set(dueItems);
  if (previous && previous !== sk) stale.add(previous);
  if (sk) stale.delete(sk);
  for (const old of [...stale].slice(0, 90)) ops.push({ type: "delete", key: { pk: DUE_PK, sk: old } });
  if (sk) ops.push({ type: "put", key: { pk: DUE_PK, sk }, attrs: { topicId: p.topicId, partition: p.partition } });
  if (head) {
    // What the planner's scan compares the head's batch count with: work appears when produce adds entries.
    const batches = Number((await ctx.ledger.get(headKey(p.topicId, p.partition)))?.attrs.batches ?? 0);
    ops.push({
      type: "update",
      key: headKey(p.topicId, p.partition),
      set: { mBatches: batches },
      condition: { op: "and", conditions: liveHead(p.topicId) },
    });
  }
  await lease.transact(ops, { nextDue: sk ?? "" });
  return nextDue;
}
