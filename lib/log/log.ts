/**
 * The log, written once against the storage ports: topics, produce (sequencing) and fetch.
 *
 * Write path: records -> one RecordBatch v2 per partition -> ONE object put holding them all -> per partition,
 * ONE conditional ledger transaction that assigns the offsets and makes the batch visible -> answer.
 * Read path: one ordered index query + one head read (in parallel) -> ranged object reads -> records.
 */
import { randomBytes, randomInt } from "node:crypto";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { codecByName } from "../format/compression.js";
import { encodeRecordBatch } from "../format/record-batch.js";
import { Compression, type RecordInput } from "../format/types.js";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import { type Clock, systemClock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger, MAX_TRANSACTION_ITEMS, type WriteOp } from "../storage/ledger.js";
import type { ObjectStore } from "../storage/object-store.js";
import { mapLimit } from "../util/map-limit.js";
import { normalizeOverrides } from "./config.js";
import type { TopicRecord } from "./entries.js";
import { Reader, type ReadLimits, type StoredBatch, storedRecords, wireBytes } from "./fetch.js";
import { type BatchesAnswer, readBatchesOfMany } from "./fetch-batches.js";
import { incomingObjectKey, producerClaimKey, producerStateKey, transactionalIdKey } from "./keys.js";
import { partitionForKey } from "./partitioner.js";
import { MAX_EPOCH, MAX_SEQUENCE, retiredProducerStateOp } from "./producers.js";
import { checkRecord, recordEncodedSize, topicRules } from "./records.js";
import { type CommitRequest, Sequencer, type SequencerOptions } from "./sequencer.js";
import type { FetchBatchesResult, LogService, PartitionBatches, TopicMetadata, TopicUpdate } from "./service.js";
import { Topics } from "./topics.js";
import type {
  FetchOptions,
  FetchResult,
  FetchStart,
  ProduceOutcome,
  ProduceRecord,
  ProduceResult,
  ProducerIdentity,
  RegisteredProducer,
  TopicDescription,
} from "./types.js";
import { checkBatchesDeeply, checkRecordCount, type PlannedPartition, planBatches } from "./validate.js";
import { Waiter } from "./waiter.js";

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

export const DEFAULT_MAX_RECORDS = 500;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const MAX_WAIT_MS = 20_000;
/** Kafka's default producer.id.expiration.ms: a day */
const PRODUCER_EXPIRATION_MS = 86_400_000;
/**
 * A produce never commits later than this after its object PUT. Maintenance relies on it (an object older than
 * this with no reference can never gain one, so the sweep may delete it), so the option may only shorten it.
 */
export const COMMIT_DEADLINE_MS = 120_000;
/** Added to the poll interval per waiting partition (1,000 partitions: a poll every ~5 s instead of 250 ms). */
const POLL_MS_PER_PARTITION = 5;

interface PartitionPlan {
  partition: number;
  /** input positions, in order */
  indices: number[];
  bytes: Uint8Array;
  count: number;
  maxTs: number;
  producer?: { producerId: number; producerEpoch: number; baseSequence: number };
}

export class Log implements LogService {
  readonly topics: Topics;
  readonly waiter = new Waiter();
  private readonly reader: Reader;
  private readonly sequencer: Sequencer;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly opts: Required<Omit<LogOptions, "sequencer" | "metrics" | "topicDefaults">>;
  private readonly metrics: Metrics;

  constructor(private readonly deps: LogDeps) {
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
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
    this.sequencer = new Sequencer(deps.ledger, this.clock, this.random, {
      ...o.sequencer,
      onConflict: () => {
        o.sequencer?.onConflict?.();
        this.metrics.count("CommitConflicts", 1);
      },
      onCommit: (topicId, partition, next) => {
        o.sequencer?.onCommit?.(topicId, partition, next);
        this.waiter.notify(topicId, partition);
      },
    });
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

  // ---- producers ----

  /**
   * Registers an idempotent producer. Without a transactional id: a fresh random id, claimed with a conditional
   * write so two producers never share one. With one: the same id every time and the epoch bumped, which fences
   * the older instance on every partition it writes to next.
   */
  async registerProducer(transactionalId?: string): Promise<RegisteredProducer> {
    if (transactionalId !== undefined) {
      if (typeof transactionalId !== "string" || transactionalId.length < 1 || transactionalId.length > 249) {
        throw new InvalidArgumentError("transactionalId", "transactionalId must be 1 to 249 characters");
      }
      for (let attempt = 0; attempt < 10; attempt++) {
        const current = await this.deps.ledger.get(transactionalIdKey(transactionalId));
        let producerId = current ? Number(current.attrs.producerId) : undefined;
        let epoch = current ? Number(current.attrs.epoch) + 1 : 0;
        if (producerId !== undefined && epoch > MAX_EPOCH) {
          // Kafka's answer to an exhausted epoch: a new producer id at epoch 0. The old id is fenced first, on
          // every partition, since no epoch bump of the new id can fence it.
          await this.retireProducerId(producerId);
          producerId = undefined;
          epoch = 0;
        }
        producerId ??= await this.claimProducerId();
        try {
          await this.deps.ledger.write({
            type: "put",
            key: transactionalIdKey(transactionalId),
            attrs: { producerId, epoch },
            condition: current
              ? {
                  op: "and",
                  conditions: [
                    { op: "eq", attr: "producerId", value: Number(current.attrs.producerId) },
                    { op: "eq", attr: "epoch", value: Number(current.attrs.epoch) },
                  ],
                }
              : { op: "notExists" },
          });
          return { producerId, producerEpoch: epoch };
        } catch (e) {
          if (!(e instanceof ConditionFailedError)) throw e;
        }
      }
      throw new StrataError("CONCURRENT_MODIFICATION", "transactional id is contended; retry", { retriable: true });
    }
    return { producerId: await this.claimProducerId(), producerEpoch: 0 };
  }

  /**
   * Fences every epoch of a producer id on every partition of every topic (a put each, 100 per transaction): run
   * once per 32,768 registrations of a transactional id. A partition created later has no state for it, so a
   * zombie could still start there at sequence 0, as a zombie can on a partition its successor has not written.
   */
  private async retireProducerId(producerId: number): Promise<void> {
    const now = this.clock.now();
    const ops: WriteOp[] = [];
    for (const topic of await this.topics.list()) {
      for (let p = 0; p < topic.partitions; p++) {
        const key = producerStateKey(topic.id, p, producerId);
        ops.push(retiredProducerStateOp(key, this.opts.producerExpirationMs, now));
      }
    }
    for (let i = 0; i < ops.length; i += MAX_TRANSACTION_ITEMS) {
      await this.deps.ledger.transact(ops.slice(i, i + MAX_TRANSACTION_ITEMS));
    }
  }

  private async claimProducerId(): Promise<number> {
    for (;;) {
      const producerId = randomInt(1, 2 ** 47);
      try {
        await this.deps.ledger.write({
          type: "put",
          key: producerClaimKey(producerId),
          // The claim only keeps two live registrations from sharing an id; it expires with producer state.
          attrs: { at: this.clock.now(), ttl: Math.floor((this.clock.now() + this.opts.producerExpirationMs) / 1000) },
          condition: { op: "notExists" },
        });
        return producerId;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
  }

  // ---- produce ----

  async produce(topicName: string, records: ProduceRecord[], producer?: ProducerIdentity): Promise<ProduceResult> {
    if (!Array.isArray(records) || records.length === 0) {
      throw new InvalidArgumentError("records", "at least one record is required");
    }
    const topic = await this.topics.get(topicName);
    const now = this.clock.now();
    const rules = topicRules(topic);
    // Partition assignment: explicit, else Kafka's murmur2 of the key, else one sticky partition per request.
    let sticky: number | undefined;
    const byPartition = new Map<number, number[]>();
    let known = topic.partitions;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      let p: number;
      if (r.partition !== undefined) {
        p = r.partition;
        // Anything not plainly inside the cached range is checked against fresh metadata (the topic may have grown).
        if (!Number.isInteger(p) || p < 0 || p >= known) {
          known = (await this.topics.partition(topicName, p, `records[${i}].partition`)).partitions;
        }
      } else if (producer) {
        throw new InvalidArgumentError(
          `records[${i}].partition`,
          "an idempotent produce must name every record's partition",
        );
      } else if (r.key) p = partitionForKey(r.key, topic.partitions);
      else p = sticky ??= Math.floor(this.random() * topic.partitions);
      const list = byPartition.get(p) ?? [];
      byPartition.set(p, list);
      list.push(i);
    }
    // compression.type "producer" and "uncompressed" both mean: JSON records are stored uncompressed.
    const compression = codecByName(topic.config["compression.type"] ?? "") ?? Compression.none;
    const plans: PartitionPlan[] = [];
    for (const [partition, indices] of [...byPartition].sort((a, b) => a[0] - b[0])) {
      // one batch per partition: its records are bounded as a binary batch's are
      checkRecordCount(indices.length, "records", `partition ${partition}'s`);
      const inputs: RecordInput[] = indices.map((i) => {
        const r = records[i]!;
        return {
          key: r.key,
          value: r.value,
          headers: r.headers ?? [],
          timestamp: rules.logAppendTime ? now : (r.timestamp ?? now),
        };
      });
      const baseTs = inputs[0]!.timestamp;
      inputs.forEach((r, j) => {
        checkRecord(rules, r, recordEncodedSize(r, j, r.timestamp - baseTs), now, `records[${indices[j]}]`);
      });
      const plan: PartitionPlan = {
        partition,
        indices,
        bytes: new Uint8Array(0),
        count: inputs.length,
        maxTs: Math.max(...inputs.map((r) => r.timestamp)),
      };
      if (producer) {
        const baseSequence = producer.baseSequences[partition];
        if (baseSequence === undefined || !Number.isInteger(baseSequence) || baseSequence < 0) {
          throw new InvalidArgumentError(
            `baseSequences.${partition}`,
            `an idempotent produce needs a non-negative integer base sequence for partition ${partition}`,
          );
        }
        plan.producer = checkProducer(
          { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence },
          "producer",
        );
      }
      plan.bytes = encodeRecordBatch(inputs, {
        compression,
        producerId: producer?.producerId ?? -1,
        producerEpoch: producer?.producerEpoch ?? -1,
        baseSequence: plan.producer?.baseSequence ?? -1,
      });
      plans.push(plan);
    }
    const outcomes = await this.commitPlans(topic, plans, rules.logAppendTime ? now : undefined);
    const results: ProduceOutcome[] = new Array(records.length);
    let failed = 0;
    plans.forEach((plan, k) => {
      const outcome = outcomes[k]!;
      plan.indices.forEach((i, j) => {
        if ("error" in outcome) {
          failed++;
          results[i] = { partition: plan.partition, error: outcome.error };
        } else results[i] = { partition: plan.partition, offset: outcome.base + j };
      });
    });
    return { results, failed };
  }

  /** Binary path: batches are validated and stored exactly as sent. One result per input partition entry. */
  async produceBatches(
    topicName: string,
    input: PartitionBatches[],
    producer?: ProducerIdentity,
    options: { transfer?: boolean } = {},
  ): Promise<ProduceResult> {
    if (!Array.isArray(input) || input.length === 0) throw new InvalidArgumentError("batches", "no batches given");
    const topic = await this.topics.get(topicName);
    const rules = topicRules(topic);
    const now = this.clock.now();
    const seen = new Set<number>();
    const plans: PartitionPlan[] = [];
    const planned: PlannedPartition[] = [];
    // The object is this call's own: what is checked is what is stored, even if the caller reuses its buffers.
    const object = laidOut(input, options.transfer === true);
    for (let k = 0; k < input.length; k++) {
      const partition = input[k]!.partition;
      const bytes = object.parts[k]!;
      const field = `batches[${k}]`;
      await this.topics.partition(topicName, partition, `${field}.partition`);
      if (seen.has(partition))
        throw new InvalidArgumentError(`${field}.partition`, `partition ${partition} appears twice`);
      seen.add(partition);
      const batches = planBatches(bytes, field, checkProducer);
      let batchProducer = batches.producer;
      if (producer) {
        const baseSequence = producer.baseSequences[partition];
        if (baseSequence === undefined) {
          throw new InvalidArgumentError(
            `baseSequences.${partition}`,
            `missing base sequence for partition ${partition}`,
          );
        }
        const given = checkProducer(
          { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence },
          "producer",
        );
        // The stored batch is what readers see: its header must say what the ledger is told.
        if (!batchProducer) {
          throw new InvalidArgumentError(
            `${field}.producerId`,
            "an idempotent produce needs the producer in the batch header (producerId -1 names none)",
          );
        }
        for (const k of ["producerId", "producerEpoch", "baseSequence"] as const) {
          if (batchProducer[k] !== given[k]) {
            throw new InvalidArgumentError(k, `${k} ${given[k]} differs from the batch header's ${batchProducer[k]}`);
          }
        }
        batchProducer = given;
      }
      const plan: PartitionPlan = {
        partition,
        indices: [k],
        bytes,
        count: batches.count,
        maxTs: rules.logAppendTime ? now : batches.maxTimestamp,
      };
      if (batchProducer) plan.producer = batchProducer;
      plans.push(plan);
      planned.push(batches);
    }
    // CRCs and records are checked while the object is written: nothing commits unless they pass
    const outcomes = await this.commitPlans(
      topic,
      plans,
      rules.logAppendTime ? now : undefined,
      () => checkBatchesDeeply(planned, rules, now),
      object.body,
    );
    let failed = 0;
    const results: ProduceOutcome[] = outcomes.map((o, k) => {
      if ("error" in o) {
        failed++;
        return { partition: plans[k]!.partition, error: o.error };
      }
      return { partition: plans[k]!.partition, offset: o.base };
    });
    return { results, failed };
  }

  /** One object for all partitions, then each partition's commit on its own; a failed partition changes nothing. */
  private async commitPlans(
    topic: TopicRecord,
    plans: PartitionPlan[],
    appendTime: number | undefined,
    validate?: () => Promise<void>,
    /** the plans' bytes, already laid out back to back in one buffer this call owns */
    laidOut?: Uint8Array,
  ): Promise<({ base: number } | { error: StrataError })[]> {
    const positions: number[] = [];
    let at = 0;
    for (const p of plans) {
      positions.push(at);
      at += p.bytes.length;
    }
    // one encoded partition is the object as it is (the plans' bytes are this call's own)
    let body = laidOut ?? (plans.length === 1 ? plans[0]!.bytes : undefined);
    if (body === undefined) {
      body = new Uint8Array(at);
      for (const [k, p] of plans.entries()) body.set(p.bytes, positions[k]!);
    }
    const written = this.clock.now();
    const object = incomingObjectKey(topic.id, written, `${written.toString(36)}-${randomBytes(10).toString("hex")}`);
    await this.putChecked(object, body, validate);
    const deadline = written + this.opts.commitDeadlineMs;
    return Promise.all(
      plans.map(async (plan, k) => {
        const req: CommitRequest = {
          topic,
          partition: plan.partition,
          object,
          pos: positions[k]!,
          len: plan.bytes.length,
          count: plan.count,
          maxTs: plan.maxTs,
          deadline,
        };
        if (appendTime !== undefined) req.appendTime = appendTime;
        if (plan.producer) req.producer = { ...plan.producer, expirationMs: this.opts.producerExpirationMs };
        try {
          const base = await this.sequencer.commit(req);
          this.metrics.count("ProduceRecords", plan.count);
          this.metrics.count("ProduceBytes", plan.bytes.length, "Bytes");
          return { base };
        } catch (e) {
          if (e instanceof StrataError && e.code === "TOPIC_NOT_FOUND") this.topics.invalidate(topic.name);
          if (e instanceof StrataError && plans.length > 1) return { error: e };
          throw e;
        }
      }),
    );
  }

  /**
   * Writes the object while `validate` runs. A failed validation wins over a failed write (it is the caller's
   * fault, and says which field); its object is deleted at once, or left to the orphan sweep if that fails.
   */
  private async putChecked(object: string, body: Uint8Array, validate?: () => Promise<void>): Promise<void> {
    if (!validate) return this.deps.store.put(object, body);
    const [put, check] = await Promise.allSettled([this.deps.store.put(object, body), validate()]);
    if (check.status === "rejected") {
      if (put.status === "fulfilled") await this.deps.store.delete(object).catch(() => {});
      throw check.reason;
    }
    if (put.status === "rejected") throw put.reason;
  }

  // ---- fetch ----

  private limits(o: { maxRecords?: number; maxBytes?: number }): ReadLimits {
    const maxRecords = o.maxRecords ?? DEFAULT_MAX_RECORDS;
    const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isInteger(maxRecords) || maxRecords < 1)
      throw new InvalidArgumentError("maxRecords", "maxRecords must be a positive integer");
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new InvalidArgumentError("maxBytes", "maxBytes must be a positive integer");
    return { maxRecords, maxBytes };
  }

  private waitMs(ms: number | undefined): number {
    const wait = ms ?? 0;
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_MS) {
      throw new InvalidArgumentError("maxWaitMs", `maxWaitMs must be an integer from 0 to ${MAX_WAIT_MS}`);
    }
    return wait;
  }

  async fetch(topicName: string, partition: number, options: FetchOptions): Promise<FetchResult> {
    const [result] = await this.fetchMany([{ topic: topicName, partition, offset: options.offset }], {
      maxBytes: options.maxBytes,
      maxWaitMs: options.maxWaitMs,
      maxRecordsPerPartition: options.maxRecords,
      throwErrors: true,
    });
    const { topic: _t, partition: _p, ...rest } = result as { topic: string; partition: number } & FetchResult;
    return rest;
  }

  async fetchMany(
    requests: { topic: string; partition: number; offset: FetchStart }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number; throwErrors?: boolean },
  ): Promise<({ topic: string; partition: number } & (FetchResult | { error: StrataError }))[]> {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new InvalidArgumentError("partitions", "at least one partition is required");
    }
    refuseRepeats(requests);
    const limits = this.limits({ maxRecords: options.maxRecordsPerPartition, maxBytes: options.maxBytes });
    const deadline = this.clock.now() + this.waitMs(options.maxWaitMs);
    const resolved = await Promise.all(
      requests.map(async (r, i) => ({
        ...r,
        topicRecord: await this.topics
          .partition(r.topic, r.partition, `partitions[${i}].partition`)
          .catch((e) => e as StrataError),
      })),
    );
    const starts: FetchStart[] = requests.map((r) => r.offset);
    for (;;) {
      // One shared byte budget across partitions, as Kafka's Fetch does.
      let budget = limits.maxBytes;
      const results = [];
      for (const [i, r] of resolved.entries()) {
        if (r.topicRecord instanceof Error) {
          if (options.throwErrors) throw r.topicRecord;
          results.push({ topic: r.topic, partition: r.partition, error: r.topicRecord });
          continue;
        }
        try {
          const read = await this.reader.read(r.topicRecord, r.partition, starts[i]!, {
            maxRecords: limits.maxRecords,
            maxBytes: Math.max(1, budget),
          });
          const out = this.toRecords(
            read.batches,
            read.offset,
            read.head.logStart,
            limits.maxRecords,
            Math.max(1, budget),
          );
          budget -= out.bytes;
          this.metrics.count("FetchRecords", out.records.length);
          this.metrics.count("FetchBytes", out.bytes, "Bytes");
          // Once resolved, "earliest"/"latest"/time become a plain offset so waiting does not move the start.
          starts[i] = read.offset;
          results.push({
            topic: r.topic,
            partition: r.partition,
            records: out.records,
            nextOffset: out.nextOffset,
            highWatermark: read.head.next,
            logStartOffset: read.head.logStart,
          });
        } catch (e) {
          if (options.throwErrors || !(e instanceof StrataError)) throw e;
          results.push({ topic: r.topic, partition: r.partition, error: e });
        }
      }
      const ready = results.some((r) => "error" in r || r.records.length > 0);
      const remaining = deadline - this.clock.now();
      if (ready || remaining <= 0 || this.waiter.isStopped) return results;
      await this.waitForCommit(resolved, starts as number[], remaining);
    }
  }

  /** Waits until one of the partitions has data past its start, the time is up, or (other processes) a poll sees it. */
  private async waitForCommit(
    resolved: { partition: number; topicRecord: TopicRecord | StrataError }[],
    starts: number[],
    remaining: number,
  ): Promise<void> {
    const keys = resolved.flatMap((r) =>
      r.topicRecord instanceof Error ? [] : [{ topicId: r.topicRecord.id, partition: r.partition }],
    );
    const until = this.clock.now() + remaining;
    // A poll reads every waiting partition's head: space polls out as the partition count grows, so one long
    // poll over many partitions costs a bounded number of reads per second (on AWS each is a GetItem).
    const interval = this.opts.pollIntervalMs + POLL_MS_PER_PARTITION * keys.length;
    for (;;) {
      const left = until - this.clock.now();
      if (left <= 0) return;
      const before = this.clock.now();
      await this.waiter.wait(keys, Math.min(left, interval));
      if (this.waiter.isStopped) return;
      // Woken early by a local commit: go read.
      if (this.clock.now() - before < interval && this.clock.now() < until) return;
      const heads = await mapLimit(resolved, 16, async (r) =>
        r.topicRecord instanceof Error
          ? undefined
          : this.reader.head(r.topicRecord, r.partition).catch(() => undefined),
      );
      if (heads.some((h, i) => h === undefined || h.next > starts[i]!)) return;
    }
  }

  private toRecords(batches: StoredBatch[], offset: number, logStart: number, maxRecords: number, maxBytes: number) {
    const records: FetchResult["records"] = [];
    let bytes = 0;
    let nextOffset = offset;
    const from = Math.max(offset, logStart);
    for (const b of batches) {
      // Decoded one record at a time: the read stops where its limits do, however many records the batch holds.
      const next = storedRecords(b, from);
      for (let r = next(); r !== undefined; r = next()) {
        const size = recordSize(r);
        if (records.length > 0 && (records.length >= maxRecords || bytes + size > maxBytes)) {
          return { records, bytes, nextOffset };
        }
        records.push(r);
        bytes += size;
        nextOffset = r.offset + 1;
      }
      // The whole batch is consumed: move past its end, and past a gap compaction left at the end of its entry.
      nextOffset = Math.max(nextOffset, b.last + 1, b.endsEntry ? b.entry.last + 1 : 0);
    }
    return { records, bytes, nextOffset };
  }

  async fetchBatches(topicName: string, partition: number, options: FetchOptions): Promise<FetchBatchesResult> {
    const limits = this.limits(options);
    const wait = this.waitMs(options.maxWaitMs);
    const topic = await this.topics.partition(topicName, partition);
    let start = options.offset;
    const until = this.clock.now() + wait;
    for (;;) {
      const read = await this.reader.read(topic, partition, start, limits);
      start = read.offset;
      const chosen: Uint8Array[] = [];
      let size = 0;
      let nextOffset = read.offset;
      for (const b of read.batches) {
        if (b.last < read.offset || b.last < read.head.logStart) continue;
        if (chosen.length > 0 && size + b.bytes.length > limits.maxBytes) break;
        const bytes = wireBytes(b);
        chosen.push(bytes);
        size += bytes.length;
        nextOffset = Math.max(b.last + 1, b.endsEntry ? b.entry.last + 1 : 0);
      }
      const remaining = until - this.clock.now();
      if (chosen.length > 0 || remaining <= 0 || this.waiter.isStopped) {
        this.metrics.count("FetchRecords", Math.max(0, nextOffset - read.offset));
        this.metrics.count("FetchBytes", size, "Bytes");
        const out = new Uint8Array(size);
        let at = 0;
        for (const c of chosen) {
          out.set(c, at);
          at += c.length;
        }
        return { bytes: out, nextOffset, highWatermark: read.head.next, logStartOffset: read.head.logStart };
      }
      await this.waitForCommit([{ partition, topicRecord: topic }], [read.offset], remaining);
    }
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

  /** fetchMany answered as stored batches, no record decoded (the binary POST /v1/fetch): see fetch-batches.ts. */
  async fetchManyBatches(
    requests: { topic: string; partition: number; offset: FetchStart }[],
    options: { maxBytes?: number; maxWaitMs?: number; maxRecordsPerPartition?: number },
  ): Promise<BatchesAnswer[]> {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new InvalidArgumentError("partitions", "at least one partition is required");
    }
    refuseRepeats(requests);
    return readBatchesOfMany({
      requests,
      limits: this.limits({ maxRecords: options.maxRecordsPerPartition, maxBytes: options.maxBytes }),
      deadline: this.clock.now() + this.waitMs(options.maxWaitMs),
      now: () => this.clock.now(),
      stopped: () => this.waiter.isStopped,
      resolve: (r, i) => this.topics.partition(r.topic, r.partition, `partitions[${i}].partition`),
      read: (topic, partition, start, limits) => this.reader.read(topic, partition, start, limits),
      wait: (resolved, starts, ms) => this.waitForCommit(resolved, starts, ms),
      counted: (records, bytes) => {
        this.metrics.count("FetchRecords", records);
        this.metrics.count("FetchBytes", bytes, "Bytes");
      },
    });
  }
}

/**
 * The object body, owned by this call, and each partition's view of it: one partition's bytes moved when they
 * are handed over and fill their own ArrayBuffer (a copy of 1 MiB costs up to a quarter of the append it
 * precedes, mostly in page faults of the fresh buffer), else everything copied back to back.
 */
function laidOut(input: PartitionBatches[], transfer: boolean): { body: Uint8Array; parts: Uint8Array[] } {
  let total = 0;
  input.forEach((entry, k) => {
    if (!(entry?.bytes instanceof Uint8Array)) {
      throw new InvalidArgumentError(`batches[${k}].bytes`, "batch bytes must be a Uint8Array");
    }
    total += entry.bytes.length;
  });
  const moved = transfer && input.length === 1 ? adopt(input[0]!.bytes) : undefined;
  if (moved !== undefined) return { body: moved, parts: [moved] };
  // every byte is overwritten below: no zero fill (a quarter of the copy's cost), and not from the shared pool
  const body: Uint8Array = Buffer.allocUnsafeSlow(total);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const { bytes } of input) {
    body.set(bytes, at);
    parts.push(body.subarray(at, at + bytes.length));
    at += bytes.length;
  }
  return { body, parts };
}

/**
 * Takes over the memory of a view that spans a whole ArrayBuffer of its own, detaching the caller's view; never
 * a slice of a larger buffer (such as Node's pool of small Buffers, which other Buffers share).
 */
function adopt(bytes: Uint8Array): Uint8Array | undefined {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) {
    return undefined;
  }
  try {
    return new Uint8Array(structuredClone(buffer, { transfer: [buffer] }));
  } catch {
    return undefined; // not transferable (e.g. WebAssembly memory): copied instead
  }
}

/**
 * Kafka's ranges: producer id a non-negative int64 (here: a safe integer), epoch an int16, sequence an int32.
 * Anything else is refused, whichever way it arrived (JSON fields, query parameters or a batch header).
 */
function checkProducer(
  p: { producerId: number; producerEpoch: number; baseSequence: number },
  where: string,
): { producerId: number; producerEpoch: number; baseSequence: number } {
  if (!Number.isSafeInteger(p.producerId) || p.producerId < 0) {
    throw new InvalidArgumentError(`${where}.producerId`, "producerId must be a non-negative integer");
  }
  if (!Number.isInteger(p.producerEpoch) || p.producerEpoch < 0 || p.producerEpoch > MAX_EPOCH) {
    throw new InvalidArgumentError(`${where}.producerEpoch`, `producerEpoch must be an integer from 0 to ${MAX_EPOCH}`);
  }
  if (!Number.isInteger(p.baseSequence) || p.baseSequence < 0 || p.baseSequence > MAX_SEQUENCE) {
    throw new InvalidArgumentError(
      `${where}.baseSequence`,
      `baseSequence must be an integer from 0 to ${MAX_SEQUENCE}`,
    );
  }
  return p;
}

/**
 * A partition named twice in one fetch is refused, naming the second mention: each mention would be read (and
 * decoded) again, and the two answers could not both be right about where the consumer goes next.
 */
function refuseRepeats(requests: { topic: string; partition: number }[]): void {
  const seen = new Map<string, number>();
  requests.forEach((r, i) => {
    const key = JSON.stringify([r.topic, r.partition]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new InvalidArgumentError(
        `partitions[${i}]`,
        `partitions[${i}]: topic ${r.topic} partition ${r.partition} is already named by partitions[${first}]; name each partition once`,
      );
    }
    seen.set(key, i);
  });
}

function recordSize(r: FetchResult["records"][number]): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.name.length + (h.value?.length ?? 0);
  return n;
}

export function createLog(deps: LogDeps): Log {
  return new Log(deps);
}
