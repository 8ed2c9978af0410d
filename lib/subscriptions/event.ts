/**
 * The event a target receives (docs/SUBSCRIPTIONS.md), built from fetched records, and the reading of a target's
 * answer: a partial-batch answer ({ batchItemFailures: [{ itemIdentifier: offset }] }) names failed records by
 * offset. An answer naming an offset that is not in the batch fails the whole batch (as Lambda treats an unknown
 * item identifier).
 */
import type { FetchedRecord } from "../log/types.js";
import type { TargetOutcome } from "./target.js";
import type { DeliveryEvent, EventRecord } from "./types.js";

export function eventOf(
  subscription: string,
  group: string,
  topic: string,
  partition: number,
  records: FetchedRecord[],
): DeliveryEvent {
  return {
    eventSource: "strata",
    subscription,
    group,
    records: { [`${topic}-${partition}`]: records.map((r) => eventRecord(topic, partition, r)) },
  };
}

function eventRecord(topic: string, partition: number, r: FetchedRecord): EventRecord {
  return {
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: "CREATE_TIME",
    key: r.key === null ? null : Buffer.from(r.key).toString("base64"),
    value: r.value === null ? null : Buffer.from(r.value).toString("base64"),
    headers: r.headers.map((h) => ({ [h.name]: h.value === null ? null : [...h.value] })),
  };
}

/** The offsets an event carries, in order. */
export function offsetsOf(event: DeliveryEvent): number[] {
  return Object.values(event.records).flatMap((rs) => rs.map((r) => r.offset));
}

/** A successful call's answer (parsed JSON, or undefined when there was none): done, or done up to a failed record. */
export function outcomeOfAnswer(answer: unknown, event: DeliveryEvent): TargetOutcome {
  if (typeof answer !== "object" || answer === null || !("batchItemFailures" in answer)) return { ok: true };
  const failures = (answer as { batchItemFailures: unknown }).batchItemFailures;
  if (!Array.isArray(failures)) return { ok: false, error: "the answer's batchItemFailures is not a list" };
  if (failures.length === 0) return { ok: true };
  const offsets = new Set(offsetsOf(event));
  let lowest = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = typeof f === "object" && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    const offset = typeof id === "number" ? id : typeof id === "string" && /^\d+$/.test(id) ? Number(id) : Number.NaN;
    if (!offsets.has(offset)) {
      return { ok: false, error: `the answer names ${JSON.stringify(id)}, which is not an offset of the batch` };
    }
    lowest = Math.min(lowest, offset);
  }
  return { ok: false, error: `the target reported ${failures.length} failed record(s)`, failedFrom: lowest };
}
