/**
 * What the edges (HTTP app, local server, Lambda handlers, tests) call. Implemented once, in lib/log/log.ts,
 * against the storage ports.
 */
import type {
  FetchOptions,
  FetchResult,
  ProduceRecord,
  ProduceResult,
  ProducerIdentity,
  RegisteredProducer,
  TopicDescription,
} from "./types.js";

export interface TopicUpdate {
  /** new partition count; may only grow */
  partitions?: number;
  /** null resets a key to its default */
  config?: Record<string, string | number | null>;
}

/** Raw RecordBatch v2 bytes for one partition (the binary media type). */
export interface PartitionBatches {
  partition: number;
  /** one or more concatenated RecordBatch v2 batches, base offsets ignored */
  bytes: Uint8Array;
}

export interface FetchBatchesResult {
  /** concatenated RecordBatch v2 batches with their real base offsets stamped in */
  bytes: Uint8Array;
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface TopicMetadata {
  name: string;
  id: string;
  partitions: number;
}

export interface LogService {
  createTopic(name: string, partitions: number, config?: Record<string, string | number>): Promise<TopicDescription>;
  listTopics(): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** the topic's id and partition count from its own item: one read, no partition heads (describeTopic reads all) */
  topicMetadata(name: string): Promise<TopicMetadata>;
  /** describeTopic for the given partitions only (one head read each); partitions that do not exist are left out */
  describePartitions(name: string, partitions: number[]): Promise<TopicDescription>;
  updateTopic(name: string, update: TopicUpdate): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;

  registerProducer(transactionalId?: string): Promise<RegisteredProducer>;
  produce(topic: string, records: ProduceRecord[], producer?: ProducerIdentity): Promise<ProduceResult>;
  /**
   * binary path: batches stored as sent; result offsets are per partition: the base offset of each input.
   * The bytes are copied first, so what is checked is what is stored whatever the caller does with them, unless
   * `transfer` hands them over: then a single partition's bytes that fill their own ArrayBuffer are moved
   * (structuredClone transfer, no copy) and the caller's view is left detached (empty).
   */
  produceBatches(
    topic: string,
    batches: PartitionBatches[],
    producer?: ProducerIdentity,
    options?: { transfer?: boolean },
  ): Promise<ProduceResult>;

  fetch(topic: string, partition: number, options: FetchOptions): Promise<FetchResult>;
  /** many partitions, one shared wait: returns as soon as any partition has records, or when the wait is over */
  fetchMany(
    requests: { topic: string; partition: number; offset: FetchStart }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number },
  ): Promise<({ topic: string; partition: number } & (FetchResult | { error: import("../errors.js").StrataError }))[]>;
  fetchBatches(topic: string, partition: number, options: FetchOptions): Promise<FetchBatchesResult>;
  /**
   * waits until the partition may have records at or past `offset`, `ms` pass, or `signal` aborts (live tail);
   * false once the log has stopped waiting (closing)
   */
  waitForRecords(topic: string, partition: number, offset: number, ms: number, signal?: AbortSignal): Promise<boolean>;
  /** fetchMany as each partition's stored batches, no record decoded (the binary POST /v1/fetch) */
  fetchManyBatches(
    requests: { topic: string; partition: number; offset: FetchStart; maxBytes?: number }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number; minBytes?: number },
  ): Promise<BatchesAnswer[]>;
  /**
   * Kafka's ListOffsets for one partition: the earliest or latest offset, the first offset whose timestamp is at
   * or after a time (offset and timestamp -1 when there is none), or the record with the largest timestamp.
   */
  lookupOffset(topic: string, partition: number, at: OffsetLookup): Promise<{ offset: number; timestamp: number }>;
}

import type { FetchStart } from "./types.js";

export type OffsetLookup = "earliest" | "latest" | "maxTimestamp" | { timestamp: number };

/** One partition's stored batches in a many-partition answer, as a Kafka client expects them. */
export interface BatchesOfPartition {
  /** where the read started (earliest, latest and timestamps resolved): the first batch may begin below it */
  offset: number;
  /** the partition's batches, in offset order (send them back to back) */
  batches: Uint8Array[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export type BatchesAnswer = { topic: string; partition: number } & (
  | BatchesOfPartition
  | { error: import("../errors.js").StrataError }
);
