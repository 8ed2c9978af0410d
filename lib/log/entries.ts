/**
 * Checked views of the log's ledger items (see keys.ts for where they live): a malformed item is CORRUPT_DATA
 * naming its key. Hand-written checks: entries and heads are read on every fetch.
 */
import { StrataError } from "../errors.js";
import type { Attrs, Item, ItemKey } from "../storage/ledger.js";
import { corruptItem } from "../util/ledger-item.js";
import type { TopicConfig } from "./types.js";

export type TopicState = "creating" | "active" | "deleting";

export interface TopicRecord {
  name: string;
  id: string;
  partitions: number;
  config: TopicConfig;
  state: TopicState;
  createdAt: number;
}

export interface PartitionHead {
  /** the next offset to assign: the highWatermark */
  next: number;
  logStart: number;
  /** stored bytes and batch entries, for retention and maintenance */
  bytes: number;
  /** running maximum of batch max timestamps: makes "offset for time" a binary search */
  maxTs: number;
  deleted: boolean;
}

/** One committed, contiguous run of batches inside one object. */
export interface BatchEntry {
  base: number;
  last: number;
  object: string;
  pos: number;
  len: number;
  /** records in the entry (last - base + 1 unless compacted) */
  count: number;
  /** max record timestamp in the entry, and the running max up to and including it */
  maxTs: number;
  tsHigh: number;
  /** set for LogAppendTime topics: the commit time every record reports */
  appendTime?: number;
  /** true when the stored batches carry their real base offsets (merged/compacted segments) */
  stamped?: boolean;
  /** sparse index for large entries: [offset, byte position relative to pos] pairs, ascending */
  index?: [number, number][];
  /** producer that wrote it, for idempotence bookkeeping */
  producerId?: number;
}

/** A numeric attribute, or CORRUPT_DATA naming the item (when its key is known) and the attribute. */
function num(v: unknown, what: string, key: ItemKey | undefined, kind: string): number {
  if (typeof v === "number") return v;
  throw malformed(key, kind, `${what} is not a number`);
}

function str(v: unknown, what: string, key: ItemKey | undefined, kind: string): string {
  if (typeof v === "string") return v;
  throw malformed(key, kind, `${what} is not a string`);
}

function malformed(key: ItemKey | undefined, kind: string, problem: string): StrataError {
  return key
    ? corruptItem(key, kind, problem)
    : new StrataError("CORRUPT_DATA", `ledger item (${kind}) is malformed: ${problem}`, { retriable: false });
}

const TOPIC_STATES: ReadonlySet<unknown> = new Set<TopicState>(["creating", "active", "deleting"]);

export function topicFromItem(item: Item): TopicRecord {
  const a = item.attrs;
  const kind = "topic";
  const config = a.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw malformed(item, kind, "config is not a map");
  }
  const state = a.state ?? "active";
  if (!TOPIC_STATES.has(state)) throw malformed(item, kind, `state ${JSON.stringify(state)} is not a topic state`);
  return {
    name: item.sk,
    id: str(a.id, "id", item, kind),
    partitions: num(a.partitions, "partitions", item, kind),
    config: config as TopicConfig,
    state: state as TopicState,
    createdAt: num(a.createdAt ?? 0, "createdAt", item, kind),
  };
}

/** A partition head's attributes (an absent head reads as empty); `key` names the item if it is malformed. */
export function headFromAttrs(a: Attrs, key?: ItemKey): PartitionHead {
  const kind = "partition head";
  return {
    next: num(a.next ?? 0, "next", key, kind),
    logStart: num(a.logStart ?? 0, "logStart", key, kind),
    bytes: num(a.bytes ?? 0, "bytes", key, kind),
    maxTs: num(a.maxTs ?? -1, "maxTs", key, kind),
    deleted: a.deleted === true,
  };
}

export function entryFromItem(item: Item): BatchEntry {
  const a = item.attrs;
  const kind = "batch entry";
  const entry: BatchEntry = {
    base: num(a.base, "base", item, kind),
    last: Number(item.sk),
    object: str(a.object, "object", item, kind),
    pos: num(a.pos, "pos", item, kind),
    len: num(a.len, "len", item, kind),
    count: num(a.count, "count", item, kind),
    maxTs: num(a.maxTs, "maxTs", item, kind),
    tsHigh: num(a.tsHigh ?? a.maxTs, "tsHigh", item, kind),
  };
  if (!Number.isSafeInteger(entry.last)) throw malformed(item, kind, "its sort key is not an offset");
  if (typeof a.appendTime === "number") entry.appendTime = a.appendTime;
  if (a.stamped === true) entry.stamped = true;
  if (a.index !== undefined) entry.index = sparseIndex(a.index, item, kind);
  if (typeof a.producerId === "number") entry.producerId = a.producerId;
  return entry;
}

function sparseIndex(v: unknown, key: ItemKey, kind: string): [number, number][] {
  const ok =
    Array.isArray(v) &&
    v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "number" && typeof p[1] === "number");
  if (!ok) throw malformed(key, kind, "index is not a list of [offset, position] pairs");
  return v as [number, number][];
}

export function entryAttrs(e: BatchEntry): Attrs {
  const attrs: Attrs = {
    base: e.base,
    object: e.object,
    pos: e.pos,
    len: e.len,
    count: e.count,
    maxTs: e.maxTs,
    tsHigh: e.tsHigh,
  };
  if (e.appendTime !== undefined) attrs.appendTime = e.appendTime;
  if (e.stamped) attrs.stamped = true;
  if (e.index) attrs.index = e.index;
  if (e.producerId !== undefined) attrs.producerId = e.producerId;
  return attrs;
}
