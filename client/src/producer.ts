/**
 * The producer: records are grouped per partition and sent as RecordBatch v2 over the binary media type, one
 * request per batch, like Kafka's linger.ms and batch.size.
 *
 * Idempotence (on by default): the producer registers a producer id once (POST /v1/producers) and numbers each
 * partition's records from 0. A batch keeps its sequence across retries, so a retry of a request whose answer was
 * lost gets the original offsets back instead of writing the records twice. At most one batch per partition is in
 * flight, which keeps each partition's order without relying on the server's window of recent batches.
 *
 * When a batch fails for good and the server may have written it (no answer, or a 5xx after the write), reusing its
 * sequence for the next batch would make the server answer with the old batch's offsets and drop the new records.
 * So after such a failure the producer takes a fresh producer id (Kafka bumps the epoch for the same reason); after
 * a definite rejection (4xx) it reuses the sequence.
 */

import { MAX_RECORDS_PER_BATCH } from "../../lib/contract.js";
import { ByteBudget } from "./byte-budget.js";
import {
  CODEC_BY_NAME,
  type CompressionCodec,
  type CompressionName,
  codecByName,
  encodeRecordBatch,
  partitionForKey,
  zstdReady,
} from "./codec.js";
import {
  ClosedError,
  errorFromProblem,
  InvalidInputError,
  type Problem,
  ProblemError,
  ProducerStateError,
  StrataClientError,
} from "./errors.js";
import { BATCHES_MEDIA_TYPE, type HttpClient, seg } from "./http.js";
import { type ProducerRecord, type RecordMetadata, toBytes, toHeaders } from "./records.js";
import type { RetryOptions } from "./retry.js";

export type { CompressionName };

export interface ProducerOptions {
  /** how long a partition's first record waits for others before its batch is sent; default 5 ms */
  lingerMs?: number;
  /** a batch is sent as soon as its encoded records reach this many bytes; default 512 KiB (max 4 MiB) */
  batchSize?: number;
  /** default "none" */
  compression?: CompressionName;
  /** default true: retries never write a record twice */
  idempotent?: boolean;
  /** per batch; default: retry until deliveryTimeoutMs */
  retries?: number;
  /** give up on a batch after this long; default 120 s (Kafka's delivery.timeout.ms) */
  deliveryTimeoutMs?: number;
  /** backoff between retries: initial and max delay (default 100 ms, 2 s) */
  retry?: Pick<RetryOptions, "initialBackoffMs" | "maxBackoffMs" | "onRetry">;
  /** bytes of records queued or in flight, at most; send() waits while it is full; default 32 MiB (Kafka's) */
  bufferMemory?: number;
  /** how long send() waits for room in the buffer before a BufferFullError; default 60 s (Kafka's max.block.ms) */
  maxBlockMs?: number;
  /** picks the partition of a record without one (default: murmur2 of the key, sticky for unkeyed records) */
  partitioner?: (key: Uint8Array | null, partitions: number, topic: string) => number | undefined;
}

/** API Gateway takes 10 MB, the server 4 MiB per request: a batch stays under it with room for the header. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024 - 1024;

interface Encoded {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { name: string; value: Uint8Array | null }[];
  timestamp: number;
  size: number;
  resolve: (m: RecordMetadata) => void;
  reject: (e: unknown) => void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  pending: Encoded[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
  /** next sequence, valid for `identity` */
  sequence: number;
  identity: Identity | undefined;
}

interface Identity {
  producerId: number;
  producerEpoch: number;
}

/** What send() answered for a batch: the offset of each record in order. */
interface ProduceAnswer {
  offsets: ({ partition: number; offset: number } | { partition: number; error: Problem & { status: number } })[];
}

/**
 * @example
 * const producer = strata.producer({ lingerMs: 10, compression: "lz4" });
 * const [meta] = await producer.send("orders", [{ key: "alice", value: "hello" }]);
 * await producer.close();
 */
export class Producer {
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly codec: CompressionCodec;
  private readonly idempotent: boolean;
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly partitionCounts = new Map<string, Promise<number>>();
  private readonly sticky = new Map<string, number>();
  private identity: Promise<Identity> | undefined;
  private closed = false;
  private readonly buffer: ByteBudget;

  constructor(
    private readonly http: HttpClient,
    private readonly options: ProducerOptions = {},
  ) {
    this.lingerMs = nonNegative(options.lingerMs ?? 5, "lingerMs");
    this.batchSize = Math.min(nonNegative(options.batchSize ?? 512 * 1024, "batchSize"), MAX_BATCH_BYTES);
    const codec = codecByName(options.compression ?? "none");
    if (codec === undefined)
      throw new InvalidInputError(`compression: one of ${Object.keys(CODEC_BY_NAME).join(", ")}`);
    this.codec = codec;
    this.idempotent = options.idempotent ?? true;
    this.buffer = new ByteBudget(
      nonNegative(options.bufferMemory ?? 32 * 1024 * 1024, "bufferMemory"),
      nonNegative(options.maxBlockMs ?? 60_000, "maxBlockMs"),
    );
  }

  /**
   * Queues records and resolves, once every one is acknowledged, to their partitions and offsets in order.
   * Rejects with the first failure; records of other partitions may have been written. Waits while the buffer
   * (bufferMemory) is full, and rejects with a BufferFullError, nothing queued, after maxBlockMs.
   */
  async send(topic: string, records: ProducerRecord | ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new ClosedError("producer");
    const list = Array.isArray(records) ? records : [records];
    const encoded = list.map((r, i) => this.prepare(r, `records[${i}]`));
    const bytes = encoded.reduce((n, e) => n + e.size, 0);
    await this.buffer.acquire(bytes);
    let partitions = 0;
    try {
      if (this.closed) throw new ClosedError("producer");
      if (list.some((r) => r.partition === undefined)) partitions = await this.partitionCount(topic);
    } catch (e) {
      this.buffer.release(bytes);
      throw e;
    }
    const promises = encoded.map((e, i) => {
      const partition = list[i]!.partition ?? this.choosePartition(topic, e.key, partitions);
      return new Promise<RecordMetadata>((resolve, reject) => {
        e.resolve = resolve;
        e.reject = reject;
        this.append(topic, partition, e);
      });
    });
    return Promise.all(promises);
  }

  /** Sends everything queued now and waits for it (and what is in flight) to be acknowledged or fail. */
  async flush(): Promise<void> {
    for (;;) {
      const waits: Promise<void>[] = [];
      for (const q of this.queues.values()) {
        if (q.pending.length > 0 && !q.inFlight) this.drain(q);
        if (q.inFlight) waits.push(q.inFlight);
      }
      if (waits.length === 0) return;
      await Promise.allSettled(waits);
    }
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private prepare(r: ProducerRecord, field: string): Encoded {
    if (r === null || typeof r !== "object") throw new InvalidInputError(`${field}: a record object`);
    if (r.value === undefined) throw new InvalidInputError(`${field}.value: required (null is a tombstone)`);
    if (r.partition !== undefined && !(Number.isInteger(r.partition) && r.partition >= 0))
      throw new InvalidInputError(`${field}.partition: a non-negative integer`);
    const key = toBytes(r.key, `${field}.key`);
    const value = toBytes(r.value, `${field}.value`);
    const headers = toHeaders(r.headers, `${field}.headers`);
    const timestamp = r.timestamp ?? Date.now();
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new InvalidInputError(`${field}.timestamp: ms >= 0`);
    // An upper bound of the encoded size (varints and the record's framing), used only to cut batches.
    let size = 24 + (key?.length ?? 0) + (value?.length ?? 0);
    for (const h of headers) size += 10 + h.name.length * 3 + (h.value?.length ?? 0);
    return { key, value, headers, timestamp, size, resolve: () => {}, reject: () => {} };
  }

  private partitionCount(topic: string): Promise<number> {
    let p = this.partitionCounts.get(topic);
    if (!p) {
      p = this.http.json<{ partitions: unknown[] }>("GET", `/v1/topics/${seg(topic)}`).then((d) => d.partitions.length);
      // A failed lookup is not cached: the next send asks again.
      p.catch(() => this.partitionCounts.delete(topic));
      this.partitionCounts.set(topic, p);
    }
    return p;
  }

  private choosePartition(topic: string, key: Uint8Array | null, partitions: number): number {
    const custom = this.options.partitioner?.(key, partitions, topic);
    if (custom !== undefined) return custom;
    if (key !== null) return partitionForKey(key, partitions);
    // Kafka's sticky partitioner: unkeyed records fill one partition's batch, then move on (see drain()).
    let p = this.sticky.get(topic);
    if (p === undefined || p >= partitions) {
      p = Math.floor(Math.random() * partitions);
      this.sticky.set(topic, p);
    }
    return p;
  }

  private append(topic: string, partition: number, e: Encoded): void {
    const id = `${topic}\u0000${partition}`;
    let q = this.queues.get(id);
    if (!q) {
      q = {
        topic,
        partition,
        pending: [],
        pendingBytes: 0,
        timer: undefined,
        inFlight: undefined,
        sequence: 0,
        identity: undefined,
      };
      this.queues.set(id, q);
    }
    q.pending.push(e);
    q.pendingBytes += e.size;
    if (q.inFlight) return; // drained when the batch in flight completes
    if (q.pendingBytes >= this.batchSize || q.pending.length >= MAX_RECORDS_PER_BATCH) this.drain(q);
    else if (q.timer === undefined) q.timer = setTimeout(() => this.drain(q), this.lingerMs);
  }

  /** Sends the next batch of `q` (one in flight per partition); when it completes, the next one if any. */
  private drain(q: PartitionQueue): void {
    if (q.timer !== undefined) clearTimeout(q.timer);
    q.timer = undefined;
    if (q.inFlight || q.pending.length === 0) return;
    let bytes = 0;
    let n = 0;
    while (n < q.pending.length && n < MAX_RECORDS_PER_BATCH) {
      const size = q.pending[n]!.size;
      if (n > 0 && bytes + size > this.batchSize) break;
      bytes += size;
      n++;
    }
    const batch = q.pending.splice(0, n);
    q.pendingBytes -= bytes;
    if (this.sticky.get(q.topic) === q.partition) this.sticky.delete(q.topic);
    q.inFlight = this.sendBatch(q, batch).finally(() => {
      q.inFlight = undefined;
      if (q.pending.length === 0) return;
      if (q.pendingBytes >= this.batchSize || this.closed) this.drain(q);
      else q.timer ??= setTimeout(() => this.drain(q), this.lingerMs);
    });
  }

  private async sendBatch(q: PartitionQueue, batch: Encoded[]): Promise<void> {
    let identity: Identity | undefined;
    let baseSequence = -1;
    let attempted = false;
    try {
      const offsets = await this.http.retrying(
        "produce",
        async () => {
          if (this.idempotent && identity === undefined) {
            identity = await this.producerIdentity();
            if (q.identity !== identity) {
              q.identity = identity;
              q.sequence = 0;
            }
            baseSequence = q.sequence;
            q.sequence += batch.length;
          }
          attempted = true;
          try {
            return await this.post(q, batch, identity, baseSequence);
          } catch (e) {
            if (!(e instanceof ProducerStateError && e.code === "unknown-producer") || !identity) throw e;
            // The server has no state for this producer id (it expired): nothing was written, so the batch is
            // safe to send again under a fresh id.
            this.dropIdentity(identity);
            identity = undefined;
            throw new StrataClientError("unknown-producer", e.message, { retriable: true, cause: e });
          }
        },
        {
          retries: this.options.retries ?? Number.MAX_SAFE_INTEGER,
          deadlineMs: this.options.deliveryTimeoutMs ?? 120_000,
          ...this.options.retry,
        },
      );
      batch.forEach((e, i) => {
        e.resolve({ topic: q.topic, partition: q.partition, offset: offsets[i]! });
      });
    } catch (error) {
      if (identity !== undefined && q.identity === identity) {
        if (!attempted || definitelyNotWritten(error)) q.sequence = baseSequence;
        else this.dropIdentity(identity);
      }
      for (const e of batch) e.reject(error);
    } finally {
      this.buffer.release(batch.reduce((n, e) => n + e.size, 0));
    }
  }

  /** One produce request for `batch`; resolves to the offset of each record. */
  private async post(q: PartitionQueue, batch: Encoded[], identity: Identity | undefined, baseSequence: number) {
    let body: Uint8Array;
    await zstdReady(); // at once after the first time; the zstd codec must have loaded before any encode
    try {
      body = encodeRecordBatch(batch, { compression: this.codec, ...identity, baseSequence });
    } catch (cause) {
      throw new InvalidInputError(`cannot encode the batch: ${(cause as Error).message}`, { cause });
    }
    const query = identity ? { ...identity, baseSequence } : undefined;
    const path = `/v1/topics/${seg(q.topic)}/partitions/${q.partition}/records`;
    const answer = await this.http.json<ProduceAnswer>("POST", path, {
      body,
      contentType: BATCHES_MEDIA_TYPE,
      query,
    });
    // The binary path answers one entry per batch (its base offset); record i of the batch is at base + i.
    const first = answer.offsets[0];
    if (first === undefined) throw new StrataClientError("internal", "the produce answer has no offsets");
    if ("error" in first) throw errorFromProblem(first.error.status, first.error);
    return batch.map((_, i) => first.offset + i);
  }

  private producerIdentity(): Promise<Identity> {
    this.identity ??= this.register();
    return this.identity;
  }

  private register(): Promise<Identity> {
    const register = () => this.http.json<Identity>("POST", "/v1/producers", { json: {} });
    const p = this.http.retrying("register-producer", register, this.options.retry);
    p.catch(() => {
      if (this.identity === p) this.identity = undefined;
    });
    return p;
  }

  /** The next batch of every partition starts under a new producer id at sequence 0. */
  private dropIdentity(stale: Identity): void {
    const current = this.identity;
    if (!current) return;
    const next = current.then((c) => (c === stale ? this.register() : c));
    next.catch(() => {
      if (this.identity === next) this.identity = undefined;
    });
    this.identity = next;
  }
}

/** A 4xx other than a lost race means the server refused the request and changed nothing. */
function definitelyNotWritten(error: unknown): boolean {
  // A sequence or epoch problem means our numbering no longer matches the server's: start afresh instead.
  if (error instanceof ProducerStateError) return false;
  if (error instanceof ProblemError) return error.status !== undefined && error.status < 500 && !error.retriable;
  return error instanceof InvalidInputError;
}

function nonNegative(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new InvalidInputError(`${name}: a number >= 0`);
  return v;
}
