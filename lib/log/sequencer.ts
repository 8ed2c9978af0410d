/**
 * The commit: one conditional ledger transaction per partition assigns the next dense offset range and makes
 * the batch visible, atomically. Optimistic: the head's `next` is taken from a cache (or guessed as 0 when cold)
 * and a failed condition returns the current head (ALL_OLD), so the warm path never reads and the retry needs
 * no read either.
 *
 * Ambiguous failures (a timeout or an error after the write may have applied) are the dangerous case: a blind
 * retry at a newer offset would duplicate the batch. Every attempt whose outcome is unknown is remembered, and
 * before moving on to a newer offset the sequencer looks at the exact index key that attempt would have written:
 * if the entry there points at our object and position, the batch is committed and that is the answer.
 */
import { isRetriable, StrataError } from "../errors.js";
import type { Clock } from "../storage/clock.js";
import { type Condition, ConditionFailedError, type Item, type Ledger, type WriteOp } from "../storage/ledger.js";
import { type BatchEntry, entryAttrs, headFromAttrs, type TopicRecord } from "./entries.js";
import { batchKey, DUE_EVERY, dueKey, headKey, producerStateKey, refKey } from "./keys.js";
import {
  judgeProducerState,
  type ProducerAppend,
  type ProducerState,
  type ProducerStateCache,
  producerStateOp,
} from "./producers.js";
import { topicNotFound } from "./topics.js";

export interface CommitRequest {
  topic: TopicRecord;
  partition: number;
  object: string;
  pos: number;
  len: number;
  count: number;
  maxTs: number;
  appendTime?: number;
  producer?: ProducerAppend;
  /** the commit gives up after this time, so an object that was never committed can be swept safely */
  deadline: number;
}

export interface SequencerOptions {
  /** attempts before a contended commit gives up with a retriable error */
  maxAttempts?: number;
  /** backoff base and cap in ms (full jitter) */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onCommit?: (topicId: string, partition: number, next: number) => void;
  /** test hook: observes how many attempts each commit took */
  onAttempts?: (attempts: number) => void;
  /** another writer committed first (the head moved under a warm cache): counted as a commit conflict */
  onConflict?: () => void;
  /** an attempt after the first: counted as a commit retry */
  onRetry?: () => void;
}

interface CachedHead {
  next: number;
  maxTs: number;
}

export class Sequencer {
  private readonly heads = new Map<string, CachedHead>();
  readonly producerStates: ProducerStateCache = new Map();
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly capMs: number;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly options: SequencerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 30;
    this.baseMs = options.backoffBaseMs ?? 2;
    this.capMs = options.backoffMaxMs ?? 200;
  }

  /** Commits one batch range; resolves to its base offset. */
  async commit(req: CommitRequest): Promise<number> {
    const { topic, partition, count } = req;
    const cacheKey = `${topic.id}#${partition}`;
    const warm = this.heads.get(cacheKey);
    let head = warm ?? { next: 0, maxTs: -1 };
    const unknownOutcomes: number[] = [];
    let producerNext: ProducerState | undefined;
    for (let attempt = 1; ; attempt++) {
      if (attempt > this.maxAttempts) {
        throw new StrataError("CONCURRENT_MODIFICATION", `partition ${partition} is too contended; retry`, {
          retriable: true,
          details: { topic: topic.name, partition, attempts: attempt - 1 },
        });
      }
      if (this.clock.now() > req.deadline) {
        const won = await this.findOurs(req, unknownOutcomes);
        if (won !== undefined) return this.done(cacheKey, req, won, head, attempt);
        throw new StrataError("COMMIT_DEADLINE_EXCEEDED", "the commit did not complete in time; nothing was written", {
          retriable: true,
        });
      }
      if (attempt > 1) this.options.onRetry?.();
      const base = head.next;
      const tsHigh = Math.max(head.maxTs, req.maxTs);
      try {
        const { ops, producerState } = this.ops(req, base, tsHigh);
        producerNext = producerState;
        await this.ledger.transact(ops);
        if (producerNext) this.producerStates.set(producerCacheKey(req), producerNext);
        return this.done(cacheKey, req, base, { next: base, maxTs: tsHigh }, attempt);
      } catch (e) {
        if (e instanceof ConditionFailedError) {
          const [headReason, , , producerReason] = e.reasons;
          if (producerReason?.failed && req.producer) {
            const verdict = judgeProducerState(producerReason.item, req.producer, count, this.clock.now());
            if (verdict.kind === "duplicate") return verdict.baseOffset;
            if (verdict.kind === "error") throw verdict.error;
            this.producerStates.set(producerCacheKey(req), verdict.state);
          }
          if (headReason?.failed) {
            const current = headReason.item ? headFromAttrs(headReason.item.attrs, headReason.item) : undefined;
            if (!current || current.deleted || headReason.item?.attrs.topicId !== topic.id) {
              throw topicNotFound(topic.name);
            }
            const won = await this.findOurs(req, unknownOutcomes);
            if (won !== undefined) return this.done(cacheKey, req, won, head, attempt);
            if (warm !== undefined || attempt > 1) this.options.onConflict?.();
            const contended = current.next !== head.next && attempt > 1;
            head = { next: current.next, maxTs: current.maxTs };
            this.heads.set(cacheKey, head);
            if (contended) await this.backoff(attempt);
            continue;
          }
          if (producerReason?.failed) continue; // learned the producer state; try again
          throw new StrataError("INTERNAL", "index entry exists beyond the partition head", { cause: e });
        }
        if (isRetriable(e)) {
          unknownOutcomes.push(base);
          await this.backoff(attempt);
          continue;
        }
        throw e;
      }
    }
  }

  private done(cacheKey: string, req: CommitRequest, base: number, head: CachedHead, attempts: number): number {
    const next = base + req.count;
    const known = this.heads.get(cacheKey);
    if (!known || known.next <= next) {
      this.heads.set(cacheKey, { next, maxTs: Math.max(head.maxTs, req.maxTs) });
    }
    this.options.onAttempts?.(attempts);
    this.options.onCommit?.(req.topic.id, req.partition, next);
    return base;
  }

  /** Checks whether an attempt whose outcome was unknown actually committed. */
  private async findOurs(req: CommitRequest, bases: number[]): Promise<number | undefined> {
    for (const base of bases) {
      const item: Item | undefined = await this.ledger.get(batchKey(req.topic.id, req.partition, base + req.count - 1));
      if (item && item.attrs.object === req.object && item.attrs.pos === req.pos && item.attrs.base === base) {
        return base;
      }
    }
    bases.length = 0;
    return undefined;
  }

  private ops(req: CommitRequest, base: number, tsHigh: number): { ops: WriteOp[]; producerState?: ProducerState } {
    const { topic, partition, count } = req;
    const last = base + count - 1;
    const headCondition: Condition = {
      op: "and",
      conditions: [
        { op: "eq", attr: "topicId", value: topic.id },
        { op: "eq", attr: "next", value: base },
        { op: "attrNotExists", attr: "deleted" },
      ],
    };
    const entry: BatchEntry = {
      base,
      last,
      object: req.object,
      pos: req.pos,
      len: req.len,
      count,
      maxTs: req.maxTs,
      tsHigh,
    };
    if (req.appendTime !== undefined) entry.appendTime = req.appendTime;
    if (req.producer) entry.producerId = req.producer.producerId;
    const ops: WriteOp[] = [
      {
        type: "update",
        key: headKey(topic.id, partition),
        set: { next: last + 1, maxTs: tsHigh },
        add: { bytes: req.len, batches: 1 },
        condition: headCondition,
      },
      {
        type: "put",
        key: batchKey(topic.id, partition, last),
        attrs: entryAttrs(entry),
        condition: { op: "notExists" },
      },
      { type: "put", key: refKey(req.object, topic.id, partition, base), attrs: { at: this.clock.now() } },
    ];
    // On its first batch and then every DUE_EVERY offsets, tell maintenance this partition has grown (an extra
    // item, not an extra request); maintenance schedules the rest itself (retention expiry, settling). It goes
    // last so the positions of the condition reasons above stay fixed.
    const due: WriteOp[] =
      base === 0 || Math.floor(base / DUE_EVERY) !== Math.floor((last + 1) / DUE_EVERY)
        ? [{ type: "put", key: dueKey(this.clock.now(), topic.id, partition), attrs: { topicId: topic.id, partition } }]
        : [];
    if (req.producer) {
      const key = producerStateKey(topic.id, partition, req.producer.producerId);
      const cached = this.producerStates.get(producerCacheKey(req));
      const { op, next } = producerStateOp(key, req.producer, count, base, cached, this.clock.now());
      ops.push(op, ...due);
      return { ops, producerState: next };
    }
    ops.push(...due);
    return { ops };
  }

  private async backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt, 16));
    const ms = this.random() * ceiling;
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Forget cached heads of a topic (after delete or an out-of-band change). */
  forget(topicId: string): void {
    for (const key of this.heads.keys()) if (key.startsWith(`${topicId}#`)) this.heads.delete(key);
  }
}

export const producerCacheKey = (req: CommitRequest) =>
  `${req.topic.id}#${req.partition}#${req.producer?.producerId ?? -1}`;
