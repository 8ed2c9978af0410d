/**
 * Delete records, like Kafka's AdminClient.deleteRecords: the partition's log start moves to `beforeOffset`, at once
 * and in the ledger (reads below it are out of range from then on); the entries and objects go at the partition's
 * next maintenance run, which this call marks due.
 */
import { InvalidArgumentError, OffsetOutOfRangeError } from "../errors.js";
import { headFromAttrs } from "../log/entries.js";
import { headKey } from "../log/keys.js";
import type { Topics } from "../log/topics.js";
import { topicNotFound } from "../log/topics.js";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger } from "../storage/ledger.js";
import { advanceLogStartOp, markDueOp } from "./keys.js";

export interface DeleteRecordsResult {
  partition: number;
  /** the partition's log start offset after the call (Kafka's "low watermark") */
  lowWatermark: number;
}

/**
 * Moves the log start of `topic`/`partition` to `beforeOffset` (-1: the highWatermark, as in Kafka). A smaller
 * offset than the current start changes nothing. An offset beyond the highWatermark is OFFSET_OUT_OF_RANGE.
 *
 * @example
 * const { lowWatermark } = await deleteRecords({ ledger, topics: log.topics, clock }, "orders", 0, 1200);
 */
export async function deleteRecords(
  deps: { ledger: Ledger; topics: Topics; clock: Clock },
  topicName: string,
  partition: number,
  beforeOffset: number,
): Promise<DeleteRecordsResult> {
  if (!Number.isSafeInteger(beforeOffset) || beforeOffset < -1) {
    throw new InvalidArgumentError(
      "beforeOffset",
      "beforeOffset must be an integer >= 0 (or -1 for the highWatermark)",
    );
  }
  const topic = await deps.topics.partition(topicName, partition);
  const key = headKey(topic.id, partition);
  for (let attempt = 0; attempt < 10; attempt++) {
    const item = await deps.ledger.get(key);
    if (!item || item.attrs.topicId !== topic.id) throw topicNotFound(topicName);
    const head = headFromAttrs(item.attrs, item);
    if (head.deleted) throw topicNotFound(topicName);
    const target = beforeOffset === -1 ? head.next : beforeOffset;
    if (target > head.next) throw new OffsetOutOfRangeError(target, head.logStart, head.next);
    if (target <= head.logStart) return { partition, lowWatermark: head.logStart };
    try {
      // Conditions only compare `next`, never set it: a concurrent produce and this write simply serialize.
      await deps.ledger.transact([
        advanceLogStartOp(topic.id, partition, target, true),
        markDueOp(topic.id, partition, deps.clock.now()),
      ]);
      return { partition, lowWatermark: target };
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      // Moved concurrently (or the topic went): look again.
    }
  }
  return { partition, lowWatermark: headFromAttrs((await deps.ledger.get(key))?.attrs ?? {}).logStart };
}

/**
 * deleteRecords bound to its dependencies, the shape the HTTP app takes (lib/api AppDeps.records).
 *
 * @example
 * createApp({ log, groups, records: recordsAdmin({ ledger, topics: log.topics, clock: systemClock }) });
 */
export function recordsAdmin(deps: { ledger: Ledger; topics: Topics; clock: Clock }) {
  return {
    deleteRecords: (topic: string, partition: number, beforeOffset: number) =>
      deleteRecords(deps, topic, partition, beforeOffset),
  };
}
