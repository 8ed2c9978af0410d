/**
 * Where maintenance keeps its own state in the ledger. The log's items (topics, heads, index entries, refs) are
 * described in lib/log/keys.ts; maintenance only adds these:
 *
 *   mlease / <topicId>#<partition>        the partition's lease: token, expires; plus what maintenance remembers
 *                                         about the partition (mergedTo, cleanTo, nextDue)
 *   mdue / <dueAt:20>#<topicId>#<partition>   "this partition has work from dueAt on": the index the planner reads
 *                                         with ONE query (sk <= now), so an idle run never visits every partition
 *   mtrash / <objectKey>                  an object that lost a reference: deleted after the grace period if no
 *                                         reference is left (objects are shared by partitions)
 *   mpending / <objectKey>                a segment object maintenance is about to write: found by the sweep if the
 *                                         run dies before the swap references it
 *   msweep / incoming                     the orphan sweep's cursor over the hour-bucketed incoming/ prefix
 *   mscan / cursor                        the planner's round-robin cursor over partition heads (fallback discovery)
 */
import { DUE_PK, dueKey, dueSk, headKey } from "../log/keys.js";
import type { Condition, ItemKey, WriteOp } from "../storage/ledger.js";

export const LEASE_PK = "mlease";
export const TRASH_PK = "mtrash";
export const PENDING_PK = "mpending";

export const leaseKey = (topicId: string, partition: number): ItemKey => ({
  pk: LEASE_PK,
  sk: `${topicId}#${partition}`,
});
// The due index is shared with produce, which marks partitions due as they grow: its keys live with the log's.
export { DUE_PK, dueKey, dueSk };
export const trashKey = (objectKey: string): ItemKey => ({ pk: TRASH_PK, sk: objectKey });
export const pendingKey = (objectKey: string): ItemKey => ({ pk: PENDING_PK, sk: objectKey });
export const sweepCursorKey: ItemKey = { pk: "msweep", sk: "incoming" };
export const scanCursorKey: ItemKey = { pk: "mscan", sk: "cursor" };
export const gcPk = "gc";

/** Parses a due item's sort key. */
export function parseDueSk(sk: string): { at: number; topicId: string; partition: number } | undefined {
  const m = /^(\d{20})#(.+)#(\d+)$/.exec(sk);
  if (!m) return undefined;
  return { at: Number(m[1]), topicId: m[2]!, partition: Number(m[3]) };
}

/**
 * The write that marks a partition due. Idempotent (a plain put). Meant for the produce transaction too: see
 * docs/MAINTENANCE.md ("discovering work") for the hook the log could add so no scan is ever needed.
 *
 * @example await ledger.write(markDueOp(topic.id, 0, clock.now()));
 */
export function markDueOp(topicId: string, partition: number, at: number): WriteOp {
  return { type: "put", key: dueKey(at, topicId, partition), attrs: { topicId, partition } };
}

/**
 * When an object was written, from its name: produce names objects `<ms base36>-<hex>` (lib/log/log.ts) and
 * maintenance names segments `<base:20>-<ms base36>-<hex>.log`. undefined when the name does not say.
 */
export function objectWrittenAt(objectKey: string): number | undefined {
  const base = objectKey.slice(objectKey.lastIndexOf("/") + 1);
  const parts = base.split(".")[0]!.split("-");
  const candidate = objectKey.startsWith("segments/") ? parts[1] : parts[0];
  if (!candidate || !/^[0-9a-z]+$/.test(candidate)) return fallbackFromBucket(objectKey);
  const ms = Number.parseInt(candidate, 36);
  return Number.isSafeInteger(ms) ? ms : fallbackFromBucket(objectKey);
}

/** incoming/<yyyy-mm-ddThh>/...: the END of the hour is a safe upper bound of the write time. */
function fallbackFromBucket(objectKey: string): number | undefined {
  const m = /^incoming\/(\d{4}-\d{2}-\d{2}T\d{2})\//.exec(objectKey);
  if (!m) return undefined;
  const start = Date.parse(`${m[1]}:00:00.000Z`);
  return Number.isNaN(start) ? undefined : start + 3_600_000;
}

/** The head belongs to this topic (not a re-created one) and the topic is not being deleted. */
export const liveHead = (topicId: string): Condition[] => [
  { op: "eq", attr: "topicId", value: topicId },
  { op: "attrNotExists", attr: "deleted" },
];

/**
 * Moves a partition's logStart forward to `to`, never back. It compares `next` at most (delete-records may not pass
 * the highWatermark) and never writes it, so it serializes with produce instead of conflicting with it.
 */
export function advanceLogStartOp(topicId: string, partition: number, to: number, notPastNext = false): WriteOp {
  const conditions: Condition[] = [...liveHead(topicId), { op: "lt", attr: "logStart", value: to }];
  if (notPastNext) conditions.push({ op: "ge", attr: "next", value: to });
  return {
    type: "update",
    key: headKey(topicId, partition),
    set: { logStart: to },
    condition: { op: "and", conditions },
  };
}
