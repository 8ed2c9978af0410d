/**
 * The log, written once against the storage ports: the facade every edge calls (LogService). It builds the parts
 * the job modules share (context.ts) and hands each call to its module: topics.ts, registration.ts, produce.ts
 * (JSON), ingest.ts (binary), commit.ts, read.ts (the fetch loops) and waiting.ts (long polls).
 *
 * Write path: records -> one RecordBatch v2 per partition -> ONE object put holding them all -> per partition,
 * ONE conditional ledger transaction that assigns the offsets and makes the batch visible -> answer.
 * Read path: one ordered index query + one head read (in parallel) -> ranged object reads -> records.
 */
import type { StrataError } from "../errors.js";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import { type Clock, systemClock } from "../storage/clock.js";
import type { Ledger } from "../storage/ledger.js";
import type { ObjectStore } from "../storage/object-store.js";
import { mapLimit } from "../util/map-limit.js";
import { COMMIT_DEADLINE_MS } from "./commit.js";
import { normalizeOverrides } from "./config.js";
import type { LogContext, LogSettings } from "./context.js";
import { Reader } from "./fetch.js";
import { produceBatches } from "./ingest.js";
import { produceRecords } from "./produce.js";
import { fetchBatches, fetchMany, fetchManyBatches, fetchOne } from "./read.js";
import { PRODUCER_EXPIRATION_MS, registerProducer } from "./registration.js";
import { Sequencer, type SequencerOptions } from "./sequencer.js";
import type {
  BatchesAnswer,
  FetchBatchesResult,
  LogService,
  OffsetLookup,
  PartitionBatches,
  TopicMetadata,
  TopicUpdate,
} from "./service.js";
import { Topics } from "./topics.js";
import type {
  FetchOptions,
  FetchResult,
  FetchStart,
  ProduceRecord,
  ProduceResult,
  ProducerIdentity,
  RegisteredProducer,
  TopicDescription,
} from "./types.js";
import { Waiter } from "./waiter.js";
import { waitForCommit } from "./waiting.js";

export interface LogOptions {
  /** topic metadata cache on the data path (at most 10 s) */
  topicCacheMs?: number;
  /** a produce gives up committing this long after its object was written (at most COMMIT_DEADLINE_MS) */
  commitDeadlineMs?: number;
  /** how often a waiting fetch looks for commits made by other processes */
  pollIntervalMs?: number;
  /** producer.id.expiration.ms */
  producerExpirationMs?: number;
  /** the deployment's topic defaults (Kafka keys): a new topic starts from them (see parseTopicDefaults) */
  topicDefaults?: Record<string, string | number>;
  sequencer?: SequencerOptions;
  /** where produce/fetch counts and commit conflicts go (CloudWatch EMF in Lambda); default: nowhere */
  metrics?: Metrics;
}

export interface LogDeps {
  ledger: Ledger;
  store: ObjectStore;
  clock?: Clock;
  random?: () => number;
  options?: LogOptions;
}

export class Log implements LogService {
  readonly topics: Topics;
  readonly waiter = new Waiter();
  private readonly reader: Reader;
  private readonly sequencer: Sequencer;
  private readonly clock: Clock;
  private readonly opts: LogSettings;
  private readonly metrics: Metrics;
  /** what the job modules share */
  private readonly ctx: LogContext;

  constructor(private readonly deps: LogDeps) {
    this.clock = deps.clock ?? systemClock;
    const random = deps.random ?? Math.random;
    const o = deps.options ?? {};
    this.opts = {
      topicCacheMs: Math.min(o.topicCacheMs ?? 5_000, 10_000),
      commitDeadlineMs: Math.min(o.commitDeadlineMs ?? COMMIT_DEADLINE_MS, COMMIT_DEADLINE_MS),
      pollIntervalMs: o.pollIntervalMs ?? 250,
      producerExpirationMs: o.producerExpirationMs ?? PRODUCER_EXPIRATION_MS,
    };
    this.metrics = o.metrics ?? noMetrics;
    this.topics = new Topics(deps.ledger, this.clock, this.opts.topicCacheMs, normalizeOverrides(o.topicDefaults));
    this.reader = new Reader(deps.ledger, deps.store);
    this.sequencer = new Sequencer(deps.ledger, this.clock, random, {
      ...o.sequencer,
      onConflict: () => {
        o.sequencer?.onConflict?.();
        this.metrics.count("CommitConflicts", 1);
      },
      onRetry: () => {
        o.sequencer?.onRetry?.();
        this.metrics.count("CommitRetries", 1);
      },
      onCommit: (topicId, partition, next) => {
        o.sequencer?.onCommit?.(topicId, partition, next);
        this.waiter.notify(topicId, partition);
      },
    });
    this.ctx = {
      ledger: deps.ledger,
      store: deps.store,
      clock: this.clock,
      random,
      settings: this.opts,
      metrics: this.metrics,
      topics: this.topics,
      reader: this.reader,
      sequencer: this.sequencer,
      waiter: this.waiter,
    };
  }

  // ---- topics ----

  async createTopic(name: string, partitions: number, config?: Record<string, string | number>) {
    await this.topics.create(name, partitions, config);
    return this.topics.describe(name);
  }

  async listTopics(): Promise<string[]> {
    return (await this.topics.list()).map((t) => t.name);
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.topics.describe(name);
  }

  describePartitions(name: string, partitions: number[]): Promise<TopicDescription> {
    return this.topics.describePartitions(name, partitions);
  }

  async topicMetadata(name: string): Promise<TopicMetadata> {
    const topic = await this.topics.load(name);
    return { name: topic.name, id: topic.id, partitions: topic.partitions };
  }

  async updateTopic(name: string, update: TopicUpdate): Promise<TopicDescription> {
    await this.topics.update(name, update);
    return this.topics.describe(name);
  }

  async deleteTopic(name: string): Promise<void> {
    const topic = await this.topics.delete(name);
    this.sequencer.forget(topic.id);
  }

  // ---- producers and produce ----

  registerProducer(transactionalId?: string): Promise<RegisteredProducer> {
    return registerProducer(this.ctx, transactionalId);
  }

  produce(topicName: string, records: ProduceRecord[], producer?: ProducerIdentity): Promise<ProduceResult> {
    return produceRecords(this.ctx, topicName, records, producer);
  }

  /** Binary path: batches are validated and stored exactly as sent. One result per input partition entry. */
  produceBatches(
    topicName: string,
    input: PartitionBatches[],
    producer?: ProducerIdentity,
    options: { transfer?: boolean } = {},
  ): Promise<ProduceResult> {
    return produceBatches(this.ctx, topicName, input, producer, options);
  }

  // ---- fetch ----

  fetch(topicName: string, partition: number, options: FetchOptions): Promise<FetchResult> {
    return fetchOne(this.ctx, topicName, partition, options);
  }

  fetchMany(
    requests: { topic: string; partition: number; offset: FetchStart }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number; throwErrors?: boolean },
  ): Promise<({ topic: string; partition: number } & (FetchResult | { error: StrataError }))[]> {
    return fetchMany(this.ctx, requests, options);
  }

  fetchBatches(topicName: string, partition: number, options: FetchOptions): Promise<FetchBatchesResult> {
    return fetchBatches(this.ctx, topicName, partition, options);
  }

  /**
   * Waits until the partition may have records at or past `offset`, `ms` pass, the log stops, or `signal` aborts
   * (the live tail's wait between reads: the HTTP edge reads with maxWaitMs 0, then waits here). False once the
   * log has stopped waiting (the server is closing): the tail ends instead of reading again at once.
   */
  async waitForRecords(
    topicName: string,
    partition: number,
    offset: number,
    ms: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const topicRecord = await this.topics.partition(topicName, partition);
    await waitForCommit(this.ctx, [{ partition, topicRecord }], [offset], ms, signal);
    return !this.waiter.isStopped;
  }

  /** Fetches waiting for records now (long polls, live tails): the WaitingFetches gauge. */
  get waitingFetches(): number {
    return this.waiter.waiting;
  }

  /**
   * Bytes each topic's partitions hold (the sum of their heads' byte counts), for at most `maxTopics` topics in
   * name order: one read per partition, so /metrics bounds it and caches the answer.
   */
  async storedBytes(maxTopics: number): Promise<Map<string, number>> {
    const topics = (await this.topics.list()).slice(0, maxTopics);
    const sums = await mapLimit(topics, 4, async (t) => {
      const heads = await this.topics.heads(t);
      return heads.reduce((n, h) => n + h.bytes, 0);
    });
    return new Map(topics.map((t, i) => [t.name, sums[i]!]));
  }

  /** Ends every long poll now (they answer with what they have); the server calls it before it stops. */
  stopWaiting(): void {
    this.waiter.stop();
  }

  async close(): Promise<void> {
    this.waiter.stop();
    await this.deps.ledger.close?.();
    await this.deps.store.close?.();
  }

  /** fetchMany answered as stored batches, no record decoded (the binary POST /v1/fetch). */
  fetchManyBatches(
    requests: { topic: string; partition: number; offset: FetchStart; maxBytes?: number }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number; minBytes?: number },
  ): Promise<BatchesAnswer[]> {
    return fetchManyBatches(this.ctx, requests, options);
  }

  async lookupOffset(topicName: string, partition: number, at: OffsetLookup) {
    const topic = await this.topics.partition(topicName, partition);
    return this.reader.lookup(topic, partition, at);
  }
}

export function createLog(deps: LogDeps): Log {
  return new Log(deps);
}
