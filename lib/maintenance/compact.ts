/**
 * Log compaction (cleanup.policy compact, or compact,delete), Kafka's cleaner over our index entries.
 *
 * The cleanable range is the longest run of entries from the log start that are settled, wholly older than
 * min.compaction.lag.ms (their tsHigh, the running max of timestamps) and not the partition's last entry (so a
 * gap can never be the end of the log: a reader inside a gap always finds an entry after it). `cleanTo` (kept on
 * the lease item) splits it into the clean part, compacted by an earlier complete run, and the dirty part.
 *
 * 1. Gate: run when dirty bytes / cleanable bytes passes min.cleanable.dirty.ratio, or when a tombstone kept by an
 *    earlier run has become removable (`tombstoneDue`, also on the lease item).
 * 2. Map: read the dirty part (at most maxRewriteBytesPerRun; the rest waits for the next run) and remember the
 *    latest offset of every key. The clean part holds each key at most once, so this map decides every record.
 * 3. Clean, group by group in offset order (groups of about segment.bytes): a record stays when no later record
 *    of its key is in the map; a tombstone (null value) that stays is dropped once its timestamp is older than
 *    delete.retention.ms. Kept records keep their offsets: a batch that loses records is re-encoded with its base
 *    offset, its records' offset deltas and its original lastOffsetDelta (as Kafka's cleaner does); a batch that
 *    loses none is copied as is. The group is written as one stamped segment (appendTime sealed in) and swapped
 *    in with lib/maintenance/swap.ts: each step replaces entries by one entry over the same records minus removed
 *    ones, so every intermediate state reads identically except that superseded records are gone.
 * 4. Only when every group was swapped does `cleanTo` move to the range's end. Groups go in offset order, so an
 *    expired tombstone is dropped only after every older record of its key is gone; a run that dies midway leaves
 *    `cleanTo` where it was and the next run recomputes the same decisions.
 *
 * Control and transactional batches are copied untouched and their records never supersede anything: aborted
 * transactional data must not remove committed records (Kafka tracks aborted transactions; we keep more instead).
 * Records without a key (produce rejects them on compacted topics, but a batch may predate the policy) stay.
 */
import { Buffer } from "node:buffer";
import { isSupportedCodec } from "../format/compression.js";
import { decodeRecordBatch, encodeRecordBatch } from "../format/record-batch.js";
import { Compression, type DecodedRecord } from "../format/types.js";
import { numericConfig } from "../log/config.js";
import type { BatchEntry, PartitionHead, TopicRecord } from "../log/entries.js";
import type { Context } from "./context.js";
import { objectWrittenAt } from "./keys.js";
import type { Lease } from "./lease.js";
import { entriesFrom, newSegmentKey, putAndSwap, segmentTarget, settled } from "./rewrite.js";
import { layout, readEntries, type SealedBatch } from "./segments.js";
import { type PartitionRef, replaceEntries } from "./swap.js";

export interface CompactionOutcome {
  /** true when the run rewrote entries (merging is then skipped for this run) */
  compacted: boolean;
  /** when compaction has time-based work again: the lag window passing, entries settling, a tombstone expiring */
  nextDue?: number;
  /** records removed by this run (superseded, or expired tombstones) */
  removed?: number;
  /** offsets below were compacted by a complete run (merging leaves them to compaction) */
  cleanTo: number;
}

/** What the lease item remembers between compaction runs. */
interface CleanState {
  /** offsets below were compacted by a complete run: each key appears there at most once */
  cleanTo: number;
  /** a kept tombstone becomes removable at this time (0: none) */
  tombstoneDue: number;
}

const keyOf = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");

export async function compactPartition(
  ctx: Context,
  lease: Lease,
  topic: TopicRecord,
  p: PartitionRef,
  head: PartitionHead,
): Promise<CompactionOutcome> {
  const now = ctx.clock.now();
  const state: CleanState = {
    cleanTo: lease.state.cleanTo ?? 0,
    tombstoneDue: lease.state.tombstoneDue ?? 0,
  };
  const { entries, due } = await cleanableRange(ctx, topic, p, head.logStart, now);
  const range = boundDirty(entries, state.cleanTo, ctx.opts.maxRewriteBytesPerRun);
  if (range.length === 0) return { compacted: false, nextDue: due, cleanTo: state.cleanTo };
  const dirty = range.filter((e) => e.last >= state.cleanTo);
  const dirtyBytes = dirty.reduce((n, e) => n + e.len, 0);
  const totalBytes = range.reduce((n, e) => n + e.len, 0);
  const ratio = totalBytes === 0 ? 0 : dirtyBytes / totalBytes;
  const tombstonesDue = state.tombstoneDue > 0 && state.tombstoneDue <= now;
  const minRatio = numericConfig(topic.config, "min.cleanable.dirty.ratio");
  if (!(dirty.length > 0 && ratio > minRatio) && !tombstonesDue) {
    return { compacted: false, nextDue: minDue(due, state.tombstoneDue || undefined), cleanTo: state.cleanTo };
  }

  const latest = await latestOffsets(ctx, topic, dirty);
  const deleteRetention = numericConfig(topic.config, "delete.retention.ms");
  const decide = decider(latest, now - deleteRetention, deleteRetention);
  let removed = 0;
  let rewrote = false;
  let complete = true;
  for (const group of groups(range, segmentTarget(ctx, topic))) {
    const cleaned = await cleanGroup(ctx, group, decide);
    removed += cleaned.removed;
    if (cleaned.removed === 0 && group.length < 2) continue;
    rewrote = true;
    if (!(await writeCleaned(ctx, lease, p, cleaned))) {
      complete = false;
      break;
    }
  }
  const tombstoneDue = decide.tombstoneDue();
  let cleanTo = state.cleanTo;
  if (complete) {
    cleanTo = range.at(-1)!.last + 1;
    await lease.transact([], { cleanTo, tombstoneDue: tombstoneDue ?? 0 });
  }
  return { compacted: rewrote, removed, nextDue: minDue(due, tombstoneDue), cleanTo };
}

const minDue = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * Entries from the log start that compaction may touch, and when the first one it may not will be ready. Stops at
 * the first entry still settling or newer than the lag window; never includes the partition's last entry.
 */
async function cleanableRange(
  ctx: Context,
  topic: TopicRecord,
  p: PartitionRef,
  logStart: number,
  now: number,
): Promise<{ entries: BatchEntry[]; due?: number }> {
  const lag = numericConfig(topic.config, "min.compaction.lag.ms");
  const entries: BatchEntry[] = [];
  let blocked = false;
  let due: number | undefined;
  for await (const e of entriesFrom(ctx, p, logStart)) {
    // An entry straddling the log start is left alone: part of it is no longer served.
    if (e.base < logStart) continue;
    if (!settled(ctx, e)) {
      due = (objectWrittenAt(e.object) ?? now) + ctx.opts.settleMs + 1;
      blocked = true;
      break;
    }
    if (e.tsHigh > now - lag) {
      due = Number.isFinite(lag) ? e.tsHigh + lag + 1 : undefined;
      blocked = true;
      break;
    }
    entries.push(e);
  }
  // Nothing after the last cleanable entry: it is the log's last entry, which stays whole (see the header).
  if (!blocked) entries.pop();
  return { entries, due: due === undefined ? undefined : Math.max(due, now + 1) };
}

/** The clean part plus as much of the dirty part as one run may read; the rest is left for the next run. */
function boundDirty(entries: BatchEntry[], cleanTo: number, maxBytes: number): BatchEntry[] {
  const out: BatchEntry[] = [];
  let dirtyBytes = 0;
  for (const e of entries) {
    if (e.last >= cleanTo) {
      if (dirtyBytes > 0 && dirtyBytes + e.len > maxBytes) break;
      dirtyBytes += e.len;
    }
    out.push(e);
  }
  return out;
}

/** Control and transactional batches are never filtered and never supersede anything (see the header). */
const untouchable = (b: SealedBatch) => b.header.isControl || b.header.isTransactional;

/** The latest offset of every key in the dirty entries, read a segment's worth at a time. */
async function latestOffsets(ctx: Context, topic: TopicRecord, dirty: BatchEntry[]): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  for (const group of groups(dirty, segmentTarget(ctx, topic))) {
    for (const batches of await readEntries(ctx.store, group)) {
      for (const b of batches) {
        if (untouchable(b)) continue;
        for (const r of decodeRecordBatch(b.bytes, { copy: false }).records) {
          if (r.key !== null) latest.set(keyOf(r.key), r.offset);
        }
      }
    }
  }
  return latest;
}

interface Decider {
  keep(r: DecodedRecord): boolean;
  /** the earliest time a tombstone kept so far becomes removable */
  tombstoneDue(): number | undefined;
}

/**
 * Which records stay: the latest of each key, except tombstones older than delete.retention.ms by their timestamp
 * (the append time on LogAppendTime topics, which decoding reports as the record's timestamp).
 */
function decider(latest: Map<string, number>, tombstoneCutoff: number, deleteRetention: number): Decider {
  let due: number | undefined;
  return {
    keep(r) {
      if (r.key === null) return true;
      const last = latest.get(keyOf(r.key));
      if (last !== undefined && last > r.offset) return false;
      if (r.value !== null) return true;
      if (r.timestamp < tombstoneCutoff) return false;
      const at = r.timestamp + deleteRetention + 1;
      due = due === undefined ? at : Math.min(due, at);
      return true;
    },
    tombstoneDue: () => due,
  };
}

interface CleanedEntry {
  old: BatchEntry;
  batches: { bytes: Uint8Array; base: number; last: number }[];
  count: number;
  maxTs: number;
}

/** Reads a group and filters its batches. */
async function cleanGroup(
  ctx: Context,
  group: BatchEntry[],
  decide: Decider,
): Promise<{ entries: CleanedEntry[]; removed: number }> {
  const read = await readEntries(ctx.store, group);
  let removed = 0;
  const entries = group.map((old, i): CleanedEntry => {
    const out: CleanedEntry = { old, batches: [], count: 0, maxTs: -1 };
    for (const b of read[i]!) {
      const cleaned = cleanBatch(b, decide);
      removed += cleaned.removed;
      out.count += cleaned.count;
      out.maxTs = Math.max(out.maxTs, cleaned.maxTs);
      if (cleaned.bytes) out.batches.push({ bytes: cleaned.bytes, base: b.base, last: b.last });
    }
    return out;
  });
  return { entries, removed };
}

/** One batch after cleaning: the same bytes, a re-encoded batch with fewer records, or nothing. */
function cleanBatch(
  b: SealedBatch,
  decide: Decider,
): { bytes?: Uint8Array; count: number; maxTs: number; removed: number } {
  const { header } = b;
  if (untouchable(b)) return { bytes: b.bytes, count: header.recordCount, maxTs: header.maxTimestamp, removed: 0 };
  const { records } = decodeRecordBatch(b.bytes, { copy: false });
  const kept = records.filter((r) => decide.keep(r));
  const maxTs = kept.reduce((m, r) => Math.max(m, r.timestamp), -1);
  const removed = records.length - kept.length;
  if (kept.length === 0) return { count: 0, maxTs: -1, removed };
  if (removed === 0) return { bytes: b.bytes, count: kept.length, maxTs: header.maxTimestamp, removed };
  const bytes = encodeRecordBatch(
    kept.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp })),
    {
      baseOffset: b.base,
      offsetDeltas: kept.map((r) => r.offset - b.base),
      lastOffsetDelta: header.lastOffsetDelta,
      // A codec we can decode but not encode would leave the batch unwritable: store it uncompressed instead.
      compression: isSupportedCodec(header.compression) ? header.compression : Compression.none,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      timestampType: header.timestampType,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
    },
  );
  return { bytes, count: kept.length, maxTs, removed };
}

/** Writes a cleaned group as one segment and swaps its entries; false when an entry changed under us. */
async function writeCleaned(
  ctx: Context,
  lease: Lease,
  p: PartitionRef,
  cleaned: { entries: CleanedEntry[] },
): Promise<boolean> {
  const { body, slices } = layout(cleaned.entries, ctx.opts.indexIntervalBytes);
  // Nothing left at all: the entries just go (no object to write or reference).
  if (body.length === 0) return (await replaceEntries(ctx, lease, p, "", slices)).complete;
  return putAndSwap(ctx, lease, p, newSegmentKey(ctx, p, cleaned.entries[0]!.old.base), body, slices);
}

/** Consecutive entries in groups of about `target` bytes. */
function groups(entries: BatchEntry[], target: number): BatchEntry[][] {
  const out: BatchEntry[][] = [];
  let group: BatchEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (group.length > 0 && bytes + e.len > target) {
      out.push(group);
      group = [];
      bytes = 0;
    }
    group.push(e);
    bytes += e.len;
  }
  if (group.length > 0) out.push(group);
  return out;
}
