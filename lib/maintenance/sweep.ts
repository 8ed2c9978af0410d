/**
 * Deleting objects nobody references, without listing the whole store:
 *
 * - trash: an object that lost a reference (retention, merge, compaction) is put in `mtrash` in the same transaction
 *   that removed the reference. After the grace period (readers that looked the entry up before it went may still be
 *   reading) the object is deleted if `ref#<object>` is empty; if a reference remains, the trash item goes and the
 *   transaction that removes that last reference will put it back. Trash items are removed only if unchanged
 *   (token), so a reference removed while we looked is never forgotten.
 * - pending: a segment object maintenance announced before writing it; if the run died before the swap, nothing
 *   references it once the lease is over (at the latest maxLeaseHoldMs after the announcement, renewals included).
 * - incoming: hour-bucketed produce objects. A bucket whose hour ended more than orphanAgeMs ago can get no new
 *   references (a produce commits within its deadline or never), so every object in it without a reference is an
 *   orphan. A cursor remembers the last key visited; an idle run lists nothing.
 */
import { hourBucket } from "../log/keys.js";
import { ConditionFailedError, type Item } from "../storage/ledger.js";
import { COMMIT_DEADLINE_MS, type Context } from "./context.js";
import { markFromItem } from "./items.js";
import { objectWrittenAt, PENDING_PK, sweepCursorKey, TRASH_PK } from "./keys.js";

export interface SweepReport {
  deleted: string[];
  inspected: number;
}

const referenced = async (ctx: Context, object: string): Promise<boolean> =>
  (await ctx.ledger.query(`ref#${object}`, { limit: 1 })).length > 0;

/** Old enough that no produce can still commit a reference to it. */
function pastCommitDeadline(ctx: Context, object: string): boolean {
  const at = objectWrittenAt(object);
  return at !== undefined && at + COMMIT_DEADLINE_MS < ctx.clock.now() - 1000;
}

export async function sweep(ctx: Context): Promise<SweepReport> {
  const report: SweepReport = { deleted: [], inspected: 0 };
  await sweepMarked(ctx, TRASH_PK, ctx.opts.graceMs, report);
  // A run may add a reference only while it holds its lease, which ends by maxLeaseHoldMs after it was taken.
  await sweepMarked(ctx, PENDING_PK, ctx.opts.maxLeaseHoldMs + ctx.opts.graceMs, report);
  await sweepIncoming(ctx, report);
  return report;
}

async function sweepMarked(ctx: Context, pk: string, ageMs: number, report: SweepReport): Promise<void> {
  const now = ctx.clock.now();
  const items = await ctx.ledger.query(pk);
  for (const item of items) {
    if (markFromItem(item).at > now - ageMs) continue;
    const object = item.sk;
    if (!object.startsWith("segments/") && !pastCommitDeadline(ctx, object)) continue;
    report.inspected++;
    if (!(await referenced(ctx, object))) {
      await ctx.store.delete(object);
      report.deleted.push(object);
    }
    await forget(ctx, item);
  }
}

/** Removes a trash/pending item unless it was rewritten meanwhile (a reference went again). */
async function forget(ctx: Context, item: Item): Promise<void> {
  const mark = markFromItem(item);
  const unchanged =
    mark.token !== undefined
      ? ({ op: "eq", attr: "token", value: mark.token } as const)
      : ({ op: "eq", attr: "at", value: mark.at } as const);
  try {
    await ctx.ledger.write({ type: "delete", key: { pk: item.pk, sk: item.sk }, condition: unchanged });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}

async function sweepIncoming(ctx: Context, report: SweepReport): Promise<void> {
  const cutoffBucket = hourBucket(ctx.clock.now() - ctx.opts.orphanAgeMs);
  const cursor = await ctx.ledger.get(sweepCursorKey);
  if (cursor?.attrs.doneBefore === cutoffBucket) return; // nothing became old enough since the last run
  let after = typeof cursor?.attrs.after === "string" ? cursor.attrs.after : undefined;
  for (;;) {
    const page = await ctx.store.list("incoming/", { ...(after ? { startAfter: after } : {}), limit: 1000 });
    let reachedNew = false;
    let last = after;
    for (const { key } of page.objects) {
      const bucket = key.split("/")[1] ?? "";
      if (bucket >= cutoffBucket) {
        reachedNew = true;
        break;
      }
      report.inspected++;
      if (!(await referenced(ctx, key))) {
        await ctx.store.delete(key);
        report.deleted.push(key);
      }
      last = key;
    }
    const done = reachedNew || !page.next;
    const attrs: Record<string, string> = {};
    if (last) attrs.after = last;
    if (done) attrs.doneBefore = cutoffBucket;
    await ctx.ledger.write({ type: "put", key: sweepCursorKey, attrs });
    if (done) return;
    after = last;
  }
}
