/**
 * What a record that could not be delivered becomes in the dead-letter topic: the original key, value and headers
 * (so it can be replayed as it was), plus headers naming its origin and the failure. Kafka Connect's dead-letter
 * queue does the same with its `__connect.errors.*` headers.
 */
import type { FetchedRecord, ProduceRecord } from "../log/types.js";

export const DLT_HEADERS = {
  subscription: "strata.dlt.subscription",
  topic: "strata.dlt.topic",
  partition: "strata.dlt.partition",
  offset: "strata.dlt.offset",
  timestamp: "strata.dlt.timestamp",
  error: "strata.dlt.error",
  attempts: "strata.dlt.attempts",
} as const;

/** Errors are cut to this many characters in the header (a stack or a large answer must not bloat the record). */
const MAX_ERROR_LENGTH = 1_000;

export function deadLetterRecords(
  subscription: string,
  topic: string,
  partition: number,
  records: FetchedRecord[],
  error: string,
  attempts: number,
): ProduceRecord[] {
  const text = (s: string) => new TextEncoder().encode(s);
  return records.map((r) => ({
    key: r.key,
    value: r.value,
    headers: [
      ...r.headers,
      { name: DLT_HEADERS.subscription, value: text(subscription) },
      { name: DLT_HEADERS.topic, value: text(topic) },
      { name: DLT_HEADERS.partition, value: text(String(partition)) },
      { name: DLT_HEADERS.offset, value: text(String(r.offset)) },
      { name: DLT_HEADERS.timestamp, value: text(String(r.timestamp)) },
      { name: DLT_HEADERS.error, value: text(error.slice(0, MAX_ERROR_LENGTH)) },
      { name: DLT_HEADERS.attempts, value: text(String(attempts)) },
    ],
  }));
}
