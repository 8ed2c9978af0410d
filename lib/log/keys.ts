/**
 * Where the log keeps things: ledger keys and object names. docs/FORMAT.md describes the same layout.
 *
 * Ledger (pk / sk):
 *   topics / <name>                          topic: id, partitions, config overrides, state
 *   p#<topicId>#<partition> / head           partition head: next (highWatermark), logStart, bytes, batches, maxTs
 *   b#<topicId>#<partition> / <lastOffset:20> batch index entry: where one committed range of batches lives
 *   ref#<objectKey> / <topicId>#<partition>#<baseOffset:20>
 *                                            one per index entry: lets maintenance tell whether an object is still
 *                                            referenced without scanning the index
 *   ps#<topicId>#<partition> / <producerId>  idempotent producer state (last 5 batches' sequences), with a ttl
 *   producer / <producerId>                  producer id claims; txn / <transactionalId>: id and epoch
 *   mdue / <at:20>#<topicId>#<partition>     "maintenance has work here from time <at>": written by produce every
 *                                            DUE_EVERY offsets, and by maintenance for work it schedules itself
 *
 * Index entries are keyed by their LAST offset, so one ascending query from `offset` finds the entry holding
 * that offset first (or, inside a compaction gap, the next one) and the entries after it: one request, whatever
 * the number of segments.
 *
 * Objects:
 *   incoming/<yyyy-mm-ddThh>/<topicId>/<unique>.batches   written by produce; the hour bucket lets the orphan sweep
 *                                                         visit only recent prefixes instead of listing everything
 *   segments/<topicId>/<partition>/<baseOffset:20>-<unique>.log   written by maintenance (merged segments)
 */
export const pad20 = (n: number): string => String(n).padStart(20, "0");

export const topicKey = (name: string) => ({ pk: "topics", sk: name });
export const headKey = (topicId: string, partition: number) => ({ pk: `p#${topicId}#${partition}`, sk: "head" });
export const batchPk = (topicId: string, partition: number) => `b#${topicId}#${partition}`;
export const batchKey = (topicId: string, partition: number, lastOffset: number) => ({
  pk: batchPk(topicId, partition),
  sk: pad20(lastOffset),
});
export const refKey = (objectKey: string, topicId: string, partition: number, baseOffset: number) => ({
  pk: `ref#${objectKey}`,
  sk: `${topicId}#${partition}#${pad20(baseOffset)}`,
});
export const producerStateKey = (topicId: string, partition: number, producerId: number) => ({
  pk: `ps#${topicId}#${partition}`,
  sk: String(producerId),
});
export const producerClaimKey = (producerId: number) => ({ pk: "producer", sk: String(producerId) });
export const transactionalIdKey = (transactionalId: string) => ({ pk: "txn", sk: transactionalId });

/** The maintenance due index (see lib/maintenance): one pk, ordered by the time the work becomes due. */
export const DUE_PK = "mdue";
/** A commit that crosses a multiple of this many offsets marks its partition due for maintenance. */
export const DUE_EVERY = 1000;
export const dueSk = (at: number, topicId: string, partition: number): string =>
  `${pad20(Math.max(0, Math.floor(at)))}#${topicId}#${partition}`;
export const dueKey = (at: number, topicId: string, partition: number) => ({
  pk: DUE_PK,
  sk: dueSk(at, topicId, partition),
});

export function hourBucket(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

export function incomingObjectKey(topicId: string, now: number, unique: string): string {
  return `incoming/${hourBucket(now)}/${topicId}/${unique}.batches`;
}

export function segmentObjectKey(topicId: string, partition: number, baseOffset: number, unique: string): string {
  return `segments/${topicId}/${partition}/${pad20(baseOffset)}-${unique}.log`;
}
