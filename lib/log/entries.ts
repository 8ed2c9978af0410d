/** Typed views of the log's ledger items (see keys.ts for where they live). */
import { StrataError } from "../errors.js";
import type { Attrs, Item } from "../storage/ledger.js";
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

const num = (v: unknown, what: string): number => {
  if (typeof v !== "number") throw new StrataError("INTERNAL", `ledger item is missing numeric ${what}`);
  return v;
};

export function topicFromItem(item: Item): TopicRecord {
  const a = item.attrs;
  return {
    name: item.sk,
    id: String(a.id),
    partitions: num(a.partitions, "partitions"),
    config: (a.config ?? {}) as TopicConfig,
    state: (a.state ?? "active") as TopicState,
    createdAt: num(a.createdAt ?? 0, "createdAt"),
  };
}

export function headFromAttrs(a: Attrs): PartitionHead {
  return {
    next: num(a.next ?? 0, "next"),
    logStart: num(a.logStart ?? 0, "logStart"),
    bytes: num(a.bytes ?? 0, "bytes"),
    maxTs: num(a.maxTs ?? -1, "maxTs"),
    deleted: a.deleted === true,
  };
}

export function entryFromItem(item: Item): BatchEntry {
  const a = item.attrs;
  const entry: BatchEntry = {
    base: num(a.base, "base"),
    last: Number(item.sk),
    object: String(a.object),
    pos: num(a.pos, "pos"),
    len: num(a.len, "len"),
    count: num(a.count, "count"),
    maxTs: num(a.maxTs, "maxTs"),
    tsHigh: num(a.tsHigh ?? a.maxTs, "tsHigh"),
  };
  if (typeof a.appendTime === "number") entry.appendTime = a.appendTime;
  if (a.stamped === true) entry.stamped = true;
  if (Array.isArray(a.index)) entry.index = a.index as [number, number][];
  if (typeof a.producerId === "number") entry.producerId = a.producerId;
  return entry;
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
