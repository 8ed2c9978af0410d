/**
 * What merging (partition.ts) and compaction (compact.ts) both need to rewrite a partition's entries: walking its
 * index, telling settled entries from ones a producer may still be checking, naming a new segment, and writing one
 * and swapping the index over to it.
 */
import { randomBytes } from "node:crypto";
import { numericConfig } from "../log/config.js";
import { type BatchEntry, entryFromItem, type TopicRecord } from "../log/entries.js";
import { batchPk, pad20, segmentObjectKey } from "../log/keys.js";
import type { Item } from "../storage/ledger.js";
import type { Context } from "./context.js";
import { objectWrittenAt, pendingKey } from "./keys.js";
import type { Lease } from "./lease.js";
import type { Slice } from "./segments.js";
import { collapse, type PartitionRef, replaceEntries } from "./swap.js";

/** Page size of index queries: entries looked at per request. */
const ENTRY_PAGE = 500;

/** An entry may be changed once its producer can no longer be checking on it (see settleMs). */
export function settled(ctx: Context, e: BatchEntry): boolean {
  if (e.object.startsWith("segments/")) return true;
  const at = objectWrittenAt(e.object);
  return at !== undefined && at <= ctx.clock.now() - ctx.opts.settleMs;
}

/** A partition's index entries in an offset range (from `gte`, below `lt`), ascending, page by page. */
export async function* entriesIn(
  ctx: Context,
  p: PartitionRef,
  range: { gte?: number; lt?: number },
): AsyncGenerator<BatchEntry> {
  const below = range.lt === undefined ? {} : { lt: pad20(range.lt) };
  let after: string | undefined;
  for (;;) {
    const from = after === undefined ? (range.gte === undefined ? {} : { gte: pad20(range.gte) }) : { gt: after };
    const items: Item[] = await ctx.ledger.query(batchPk(p.topicId, p.partition), {
      ...from,
      ...below,
      limit: ENTRY_PAGE,
    });
    for (const item of items) yield entryFromItem(item);
    if (items.length < ENTRY_PAGE) return;
    after = items.at(-1)!.sk;
  }
}

/** Entries from `gte` (an offset) on. */
export const entriesFrom = (ctx: Context, p: PartitionRef, gte: number) => entriesIn(ctx, p, { gte });

/** The segment size this topic asks for, bounded by what one worker can hold. */
export const segmentTarget = (ctx: Context, topic: TopicRecord) =>
  Math.min(numericConfig(topic.config, "segment.bytes"), ctx.opts.maxSegmentBytes);

export function newSegmentKey(ctx: Context, p: PartitionRef, base: number): string {
  return segmentObjectKey(
    p.topicId,
    p.partition,
    base,
    `${ctx.clock.now().toString(36)}-${randomBytes(6).toString("hex")}`,
  );
}

/**
 * The object is announced (mpending) before it is written, so a run that dies between the PUT and the swap
 * leaves something the sweep finds; then the swap, then the join of the chunks the swap made.
 */
export async function putAndSwap(
  ctx: Context,
  lease: Lease,
  p: PartitionRef,
  object: string,
  body: Uint8Array,
  slices: Slice[],
): Promise<boolean> {
  await ctx.ledger.write({ type: "put", key: pendingKey(object), attrs: { at: ctx.clock.now() } });
  await lease.assertHeld();
  await ctx.store.put(object, body);
  const { written, complete } = await replaceEntries(ctx, lease, p, object, slices);
  if (written.length > 1) await collapse(ctx, lease, p, written, ctx.opts.indexIntervalBytes);
  return complete;
}
