/**
 * Idempotent producers, as in Kafka: a producer id and epoch, and per partition a sequence number for each
 * record. The ledger keeps, per producer and partition, the epoch, the next expected sequence and the last 5
 * batches (first sequence, last sequence, base offset) so a retried batch gets its original offsets back.
 *
 * The state item is written in the same transaction as the commit, conditioned on (epoch, nextSeq). Its
 * previous content is needed to keep the last-5 list, so it is cached per process; a cold cache makes the
 * condition fail on purpose (attrNotExists "recent"), and the failure returns the item, so even then no read
 * is added, only one extra attempt. State expires after producer.id.expiration.ms without writes (a ttl
 * attribute; DynamoDB deletes it, and the condition treats an expired item as absent).
 */
import { z } from "zod";
import { StrataError } from "../errors.js";
import type { AttrValue, Condition, Item, ItemKey, WriteOp } from "../storage/ledger.js";
import { decodeItem } from "../util/ledger-item.js";

export const RECENT_BATCHES = 5;

/** Sequences are int32 and wrap to 0 after this, as in Kafka. */
export const MAX_SEQUENCE = 2 ** 31 - 1;
const SEQUENCE_SPACE = 2 ** 31;

/** a + n in sequence space (wrapping). */
export const seqAdd = (a: number, n: number): number => (a + n) % SEQUENCE_SPACE;

/** How far `seq` is ahead of `expected`, wrapping: small is ahead, close to 2^31 is behind. */
const seqAhead = (seq: number, expected: number): number =>
  (((seq - expected) % SEQUENCE_SPACE) + SEQUENCE_SPACE) % SEQUENCE_SPACE;

export interface ProducerAppend {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** how long idle state is kept (producer.id.expiration.ms) */
  expirationMs: number;
}

/** [firstSeq, lastSeq, baseOffset] */
export type RecentBatch = [number, number, number];

export interface ProducerState {
  epoch: number;
  nextSeq: number;
  recent: RecentBatch[];
  /** seconds since the epoch */
  ttl: number;
}

export type ProducerStateCache = Map<string, ProducerState>;

/** Epochs are int16, as in Kafka: a transactional id past this one gets a new producer id (see log.ts). */
export const MAX_EPOCH = 32767;
/** The epoch a retired producer id's state is set to: above any epoch a client can send, so all are fenced. */
export const RETIRED_EPOCH = MAX_EPOCH + 1;

/** Fences every epoch of a retired producer id on one partition (kept as long as any producer state). */
export function retiredProducerStateOp(key: ItemKey, expirationMs: number, nowMs: number): WriteOp {
  const ttl = Math.floor((nowMs + expirationMs) / 1000);
  return { type: "put", key, attrs: { epoch: RETIRED_EPOCH, nextSeq: 0, recent: [], ttl } };
}

const int = z.number().int();
const producerStateAttrs = z.object({
  epoch: int,
  nextSeq: int,
  recent: z.array(z.tuple([int, int, int])),
  ttl: z.number(),
});

/** The state item, checked (CORRUPT_DATA naming its key if malformed); undefined when absent or expired. */
export function producerStateFromItem(item: Item | undefined, nowMs: number): ProducerState | undefined {
  if (!item) return undefined;
  const state = decodeItem(producerStateAttrs, item, "producer state");
  if (state.ttl * 1000 <= nowMs) return undefined; // expired: as if absent
  return state;
}

/** What a transactional id is bound to: its producer id and latest epoch. */
export interface TransactionalIdBinding {
  producerId: number;
  epoch: number;
}

const transactionalIdAttrs = z.object({ producerId: int.nonnegative(), epoch: int.nonnegative() });

/** The transactional id item, checked (CORRUPT_DATA naming its key if malformed). */
export function transactionalIdFromItem(item: Item): TransactionalIdBinding {
  const { producerId, epoch } = decodeItem(transactionalIdAttrs, item, "transactional id");
  return { producerId, epoch };
}

export function producerStateOp(
  key: ItemKey,
  p: ProducerAppend,
  count: number,
  baseOffset: number,
  cached: ProducerState | undefined,
  nowMs: number,
): { op: WriteOp; next: ProducerState } {
  const ttl = Math.floor((nowMs + p.expirationMs) / 1000);
  const entry: RecentBatch = [p.baseSequence, seqAdd(p.baseSequence, count - 1), baseOffset];
  const nowSec = Math.floor(nowMs / 1000);
  let condition: Condition;
  let recent: RecentBatch[];
  if (cached && cached.epoch === p.producerEpoch && cached.nextSeq === p.baseSequence) {
    // The next batch of a known state (also across the wrap from 2^31-1 to 0).
    condition = {
      op: "and",
      conditions: [
        { op: "eq", attr: "epoch", value: p.producerEpoch },
        { op: "eq", attr: "nextSeq", value: p.baseSequence },
        { op: "gt", attr: "ttl", value: nowSec },
      ],
    };
    recent = [...cached.recent, entry].slice(-RECENT_BATCHES);
  } else if (p.baseSequence === 0) {
    // A new producer, a new epoch, or state that expired: start over.
    condition = {
      op: "or",
      conditions: [
        { op: "notExists" },
        { op: "lt", attr: "epoch", value: p.producerEpoch },
        { op: "le", attr: "ttl", value: nowSec },
      ],
    };
    recent = [entry];
  } else {
    // Unknown previous state: fail on purpose to learn it from the returned item. An absent item fails too (a
    // producer that starts past sequence 0 with no state here is UNKNOWN_PRODUCER, as in Kafka).
    condition = { op: "and", conditions: [{ op: "exists" }, { op: "attrNotExists", attr: "recent" }] };
    recent = [entry];
  }
  const next: ProducerState = { epoch: p.producerEpoch, nextSeq: seqAdd(p.baseSequence, count), recent, ttl };
  return {
    op: {
      type: "put",
      key,
      attrs: { epoch: next.epoch, nextSeq: next.nextSeq, recent: recent as unknown as AttrValue, ttl },
      condition,
    },
    next,
  };
}

export type ProducerVerdict =
  | { kind: "duplicate"; baseOffset: number }
  | { kind: "error"; error: StrataError }
  /** the state is consistent with this append; retry with it cached */
  | { kind: "retry"; state: ProducerState };

/** Decides what a failed producer-state condition means, from the item as it is now. */
export function judgeProducerState(
  item: Item | undefined,
  p: ProducerAppend,
  count: number,
  nowMs: number,
): ProducerVerdict {
  const state = producerStateFromItem(item, nowMs);
  const details = { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: p.baseSequence };
  if (!state) {
    if (p.baseSequence === 0) return { kind: "retry", state: { epoch: -1, nextSeq: 0, recent: [], ttl: 0 } };
    return {
      kind: "error",
      error: new StrataError(
        "UNKNOWN_PRODUCER",
        `no state for producer ${p.producerId} on this partition (expired or never written): start again at sequence 0 or register anew`,
        { details },
      ),
    };
  }
  if (p.producerEpoch < state.epoch) {
    return {
      kind: "error",
      error: new StrataError(
        "PRODUCER_FENCED",
        `producer epoch ${p.producerEpoch} is fenced by a newer epoch ${state.epoch}`,
        {
          details: { ...details, currentEpoch: state.epoch },
        },
      ),
    };
  }
  if (p.producerEpoch > state.epoch) {
    return {
      kind: "error",
      error: new StrataError(
        "OUT_OF_ORDER_SEQUENCE",
        `a new producer epoch must start at sequence 0, got ${p.baseSequence}`,
        {
          details: { ...details, expectedSequence: 0 },
        },
      ),
    };
  }
  const lastSeq = seqAdd(p.baseSequence, count - 1);
  const dup = state.recent.find(([first, last]) => first === p.baseSequence && last === lastSeq);
  if (dup) return { kind: "duplicate", baseOffset: dup[2] };
  const sameStart = state.recent.find(([first]) => first === p.baseSequence);
  if (sameStart) {
    return {
      kind: "error",
      error: new StrataError(
        "DUPLICATE_SEQUENCE",
        `sequence ${p.baseSequence} was committed with ${seqAhead(sameStart[1], sameStart[0]) + 1} records, not ${count}: a retry must resend the same batch`,
        { details: { ...details, expectedSequence: state.nextSeq } },
      ),
    };
  }
  if (p.baseSequence === state.nextSeq) return { kind: "retry", state };
  // Behind the expected sequence (modulo the wrap): already committed, too long ago to know its offsets.
  if (seqAhead(p.baseSequence, state.nextSeq) >= SEQUENCE_SPACE / 2) {
    return {
      kind: "error",
      error: new StrataError(
        "DUPLICATE_SEQUENCE",
        `sequence ${p.baseSequence} was already committed (older than the last ${RECENT_BATCHES} batches, so its offsets are no longer known)`,
        { details: { ...details, expectedSequence: state.nextSeq } },
      ),
    };
  }
  return {
    kind: "error",
    error: new StrataError("OUT_OF_ORDER_SEQUENCE", `sequence gap: expected ${state.nextSeq}, got ${p.baseSequence}`, {
      details: { ...details, expectedSequence: state.nextSeq },
    }),
  };
}
