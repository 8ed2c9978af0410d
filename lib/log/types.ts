/**
 * The log domain's public shapes: what lib/api, lib/server, functions/ and tests call.
 * Bytes are Uint8Array; the edges translate from JSON (utf8/base64) or binary batches.
 */
import type { StrataError } from "../errors.js";
import type { RecordHeader } from "../format/types.js";

export type TopicConfig = Record<string, string>;

export interface PartitionState {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface TopicDescription {
  name: string;
  /** unique per creation: a topic deleted and re-created under the same name gets a new id */
  id: string;
  partitions: PartitionState[];
  /** every effective config key with its value (defaults included) */
  config: TopicConfig;
}

export interface ProduceRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  /** ms since the epoch; default: now */
  timestamp?: number;
  /** explicit partition; otherwise the key's murmur2 partition, otherwise sticky per request */
  partition?: number;
}

/** Idempotent produce: the producer's identity and, per partition, the sequence of its first record. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
  /** partition -> sequence number of the first record for that partition in this request */
  baseSequences: Record<number, number>;
}

export type ProduceOutcome = { partition: number; offset: number } | { partition: number; error: StrataError };

export interface ProduceResult {
  /** one entry per input record, in request order */
  results: ProduceOutcome[];
  failed: number;
}

export type FetchStart = number | "earliest" | "latest" | { timestamp: number };

export interface FetchOptions {
  offset: FetchStart;
  /** default 500 */
  maxRecords?: number;
  /** default 1 MiB; at least one record is returned when one is available, as in Kafka */
  maxBytes?: number;
  /** wait up to this long for a record when none is available (0: answer at once) */
  maxWaitMs?: number;
}

export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface FetchResult {
  records: FetchedRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface RegisteredProducer {
  producerId: number;
  producerEpoch: number;
}
