/**
 * The read path: one ordered index query (entries keyed by last offset, ascending from the wanted offset) and
 * one head read, in parallel; then one ranged GET per object touched (contiguous entries in one object become
 * one range). Entries of merged segments carry a sparse [offset, position] index, so a read starts near the
 * wanted offset instead of at the segment's start.
 */
import { OffsetOutOfRangeError, StrataError } from "../errors.js";
import { FormatError } from "../format/errors.js";
import {
  readRecords,
  splitBatches,
  verifyBatchCrc,
  withBaseOffset,
  withLogAppendTime,
} from "../format/record-batch.js";
import type { Ledger } from "../storage/ledger.js";
import type { ObjectStore } from "../storage/object-store.js";
import { type DamagedRange, placeCorruption, readingAt } from "./corrupt.js";
import { type BatchEntry, entryFromItem, headFromAttrs, type PartitionHead, type TopicRecord } from "./entries.js";
import { batchPk, headKey, pad20 } from "./keys.js";
import type { OffsetLookup } from "./service.js";
import { topicNotFound } from "./topics.js";
import type { FetchedRecord, FetchStart } from "./types.js";

/** index entries one fetch looks at, at most: bounds the requests of one fetch */
export const MAX_ENTRIES_PER_FETCH = 64;
/** reading a segment from its sparse index: this much past the wanted bytes, to finish the last batch */
const SEGMENT_READ_SLACK = 64 * 1024;

export interface ReadLimits {
  maxRecords: number;
  maxBytes: number;
}

/** A batch as stored, with the offsets it really holds. */
interface StoredBatch {
  topic: string;
  partition: number;
  bytes: Uint8Array;
  base: number;
  last: number;
  entry: BatchEntry;
  /** the entry's final batch: a reader that took all of it has read through entry.last (gaps included) */
  endsEntry: boolean;
}

export interface ReadResult {
  head: PartitionHead;
  /** the offset the read started at (resolved from earliest/latest/timestamp) */
  offset: number;
  batches: StoredBatch[];
}

export class Reader {
  constructor(
    private readonly ledger: Ledger,
    private readonly store: ObjectStore,
  ) {}

  async head(topic: TopicRecord, partition: number): Promise<PartitionHead> {
    const item = await this.ledger.get(headKey(topic.id, partition));
    if (!item || item.attrs.topicId !== topic.id) throw topicNotFound(topic.name);
    const head = headFromAttrs(item.attrs, item);
    if (head.deleted) throw topicNotFound(topic.name);
    return head;
  }

  /** Finds the batches from `start`, without waiting. Retries once if a concurrent merge removed an object. */
  async read(topic: TopicRecord, partition: number, start: FetchStart, limits: ReadLimits): Promise<ReadResult> {
    try {
      return await this.readOnce(topic, partition, start, limits);
    } catch (e) {
      if (e instanceof StrataError && e.code === "OBJECT_NOT_FOUND") {
        try {
          return await this.readOnce(topic, partition, start, limits);
        } catch (again) {
          if (again instanceof StrataError && again.code === "OBJECT_NOT_FOUND") {
            throw new StrataError("UNAVAILABLE", "the data moved while it was read; retry", {
              retriable: true,
              cause: again,
            });
          }
          throw again;
        }
      }
      throw e;
    }
  }

  private async readOnce(
    topic: TopicRecord,
    partition: number,
    start: FetchStart,
    limits: ReadLimits,
  ): Promise<ReadResult> {
    const pk = batchPk(topic.id, partition);
    let head: PartitionHead;
    let offset: number;
    let items: Awaited<ReturnType<Ledger["query"]>>;
    if (typeof start === "number") {
      [head, items] = await Promise.all([
        this.head(topic, partition),
        this.ledger.query(pk, { gte: pad20(start), limit: MAX_ENTRIES_PER_FETCH }),
      ]);
      offset = start;
    } else {
      head = await this.head(topic, partition);
      if (start === "latest") return { head, offset: head.next, batches: [] };
      offset = start === "earliest" ? head.logStart : await this.offsetForTime(topic, partition, head, start.timestamp);
      items =
        offset >= head.next ? [] : await this.ledger.query(pk, { gte: pad20(offset), limit: MAX_ENTRIES_PER_FETCH });
    }
    const entries = items.map(entryFromItem);
    const highWatermark = Math.max(head.next, (entries.at(-1)?.last ?? -1) + 1);
    head = { ...head, next: highWatermark };
    if (offset < head.logStart || offset > highWatermark) {
      throw new OffsetOutOfRangeError(offset, head.logStart, highWatermark);
    }
    // Entries below the log start may linger until maintenance deletes them: never serve them.
    const wanted = pickEntries(
      entries.filter((e) => e.last >= Math.max(offset, head.logStart)),
      limits,
    );
    const batches = await this.loadBatches(topic.name, partition, wanted, offset, limits.maxBytes);
    return { head, offset, batches };
  }

  /** Kafka's ListOffsets for one partition (LogService.lookupOffset). */
  async lookup(
    topic: TopicRecord,
    partition: number,
    at: OffsetLookup,
  ): Promise<{ offset: number; timestamp: number }> {
    const head = await this.head(topic, partition);
    if (at === "earliest") return { offset: head.logStart, timestamp: -1 };
    if (at === "latest") return { offset: head.next, timestamp: -1 };
    const ts = at === "maxTimestamp" ? head.maxTs : at.timestamp;
    if (at === "maxTimestamp" && ts < 0) return { offset: -1, timestamp: -1 };
    return (await this.recordAtTime(topic, partition, head, ts)) ?? { offset: -1, timestamp: -1 };
  }

  /** The first offset whose timestamp is at or after `ts` (the highWatermark when none): where a fetch by time starts. */
  private async offsetForTime(topic: TopicRecord, partition: number, head: PartitionHead, ts: number) {
    return (await this.recordAtTime(topic, partition, head, ts))?.offset ?? head.next;
  }

  /**
   * Kafka's ListOffsets by time: the first record whose timestamp is at or after `ts`, if any. Entries carry
   * tsHigh, the running maximum of timestamps, which is monotone in offset, so this is a binary search over
   * offsets: O(log n) small queries whatever the log's size.
   */
  private async recordAtTime(
    topic: TopicRecord,
    partition: number,
    head: PartitionHead,
    ts: number,
  ): Promise<{ offset: number; timestamp: number } | undefined> {
    if (head.maxTs < ts) return undefined;
    const pk = batchPk(topic.id, partition);
    let lo = head.logStart;
    // The first entry with tsHigh >= ts ends at or after lo; entries ending at or after hi are already ruled
    // out or found.
    let hi = head.next;
    let found: BatchEntry | undefined;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [item] = await this.ledger.query(pk, { gte: pad20(mid), limit: 1 });
      if (!item) {
        hi = mid;
        continue;
      }
      const e = entryFromItem(item);
      if (e.tsHigh >= ts) {
        found = e;
        hi = Math.min(mid, e.base);
      } else lo = e.last + 1;
    }
    if (!found) return undefined;
    for (const batch of await this.loadBatches(topic.name, partition, [found], found.base, Number.POSITIVE_INFINITY)) {
      const next = storedRecords(batch, head.logStart);
      for (let r = next(); r !== undefined; r = next()) {
        if (r.timestamp >= ts) return { offset: r.offset, timestamp: r.timestamp };
      }
    }
    return undefined;
  }

  /**
   * Reads the byte ranges of the entries: contiguous entries in one object become one GET. A missing object
   * file or an entry whose bytes do not split into its batches is corruption of those entries' offsets.
   */
  private async loadBatches(
    topic: string,
    partition: number,
    entries: BatchEntry[],
    offset: number,
    maxBytes: number,
  ): Promise<StoredBatch[]> {
    const groups: { object: string; start: number; end: number; entries: BatchEntry[]; whole: boolean }[] = [];
    for (const e of entries) {
      let start = e.pos;
      let end = e.pos + e.len;
      if (e.index && e.index.length > 0) {
        // Segment: start at the last index point at or before the wanted offset, read about maxBytes.
        let rel = 0;
        for (const [o, p] of e.index) if (o <= offset) rel = p;
        start = e.pos + rel;
        if (Number.isFinite(maxBytes)) end = Math.min(end, start + maxBytes + SEGMENT_READ_SLACK);
      }
      const g = groups.at(-1);
      if (g && g.object === e.object && g.end === start && !e.index) {
        g.end = end;
        g.entries.push(e);
      } else groups.push({ object: e.object, start, end, entries: [e], whole: end === e.pos + e.len });
    }
    const range = (first: BatchEntry, last: BatchEntry): DamagedRange => ({
      topic,
      partition,
      offset: Math.max(first.base, Math.min(offset, first.last)),
      nextOffset: last.last + 1,
    });
    const parts = await Promise.all(
      groups.map((g) =>
        this.store
          .get(g.object, { start: g.start, end: g.end })
          .catch((e) => Promise.reject(placeCorruption(e, range(g.entries[0]!, g.entries.at(-1)!)))),
      ),
    );
    const out: StoredBatch[] = [];
    groups.forEach((g, i) => {
      const bytes = parts[i]!;
      let at = 0;
      for (const e of g.entries) {
        const regionStart = at;
        const regionEnd = e.index ? bytes.length : at + e.len;
        at = regionEnd;
        const batches = readingAt(
          () => range(e, e),
          () => splitEntry(bytes.subarray(regionStart, regionEnd), e, !!e.index, g.whole),
        );
        for (const b of batches) out.push({ topic, partition, ...b });
      }
    });
    return out;
  }
}

/** Entries until the byte or record budget is spent (always at least one). */
function pickEntries(entries: BatchEntry[], limits: ReadLimits): BatchEntry[] {
  const out: BatchEntry[] = [];
  let bytes = 0;
  let records = 0;
  for (const e of entries) {
    if (out.length > 0 && (bytes >= limits.maxBytes || records >= limits.maxRecords)) break;
    out.push(e);
    bytes += e.len;
    records += e.count;
  }
  return out;
}

/** Splits an entry's bytes into batches and works out each batch's real offsets. */
function splitEntry(
  bytes: Uint8Array,
  e: BatchEntry,
  partial: boolean,
  reachesEnd: boolean,
): Omit<StoredBatch, "topic" | "partition">[] {
  const out: Omit<StoredBatch, "topic" | "partition">[] = [];
  let running = e.base;
  let parts: ReturnType<typeof splitBatches>;
  if (partial) {
    // A ranged segment read may end inside a batch: keep the complete batches only.
    parts = [];
    let at = 0;
    while (at + 61 <= bytes.length) {
      const len = new DataView(bytes.buffer, bytes.byteOffset + at + 8, 4).getInt32(0) + 12;
      if (len < 61 || at + len > bytes.length) break;
      parts.push(
        ...splitBatches(bytes.subarray(at, at + len)).map((p) => ({ ...p, start: p.start + at, end: p.end + at })),
      );
      at += len;
    }
    if (parts.length === 0 && bytes.length > 0) {
      throw new StrataError("UNAVAILABLE", "segment read too short for one batch; retry", { retriable: true });
    }
  } else parts = splitBatches(bytes);
  parts.forEach(({ header, start, end }, i) => {
    const base = e.stamped ? header.baseOffset : running;
    const last = base + header.lastOffsetDelta;
    running = last + 1;
    const endsEntry = reachesEnd && i === parts.length - 1 && end === bytes.length;
    out.push({ bytes: bytes.subarray(start, end), base, last, entry: e, endsEntry });
  });
  if (!e.stamped && !partial && running !== e.last + 1) {
    throw new FormatError(`index entry ${e.base}-${e.last} does not match its batches (they end at ${running - 1})`);
  }
  return out;
}

/**
 * The records of one stored batch at or after offset `from`, with their real offsets (and append time, where the
 * topic uses it), decoded one call at a time: a read stops decoding where its limits stop it, so its cost follows
 * what it returns, not how many records the batch holds. Records below `from` are stepped over, never built.
 * @example const next = storedRecords(batch, offset); for (let r = next(); r; r = next()) ...
 */
export function storedRecords(b: StoredBatch, from: number): () => FetchedRecord | undefined {
  const reader = readingAt(
    () => damaged(b),
    () => readRecords(b.bytes, { copy: false }),
  );
  // offset = b.base + offsetDelta (the stored header's baseOffset may be a placeholder)
  const minOffsetDelta = Math.min(Math.max(0, from - b.base), 0x7fffffff);
  const appendTime = b.entry.appendTime;
  return () => {
    // inline rather than readingAt: this runs once per record returned, and must not allocate for the rare error
    let r: ReturnType<typeof reader.next>;
    try {
      r = reader.next(minOffsetDelta);
    } catch (e) {
      throw placeCorruption(e, damaged(b));
    }
    if (r === undefined) return undefined;
    const offset = b.base + (r.offset - reader.header.baseOffset);
    return { offset, timestamp: appendTime ?? r.timestamp, key: r.key, value: r.value, headers: r.headers };
  };
}

/**
 * Where a reader goes once it has taken all of `b`: past its last offset, and past a gap compaction left at the
 * end of its entry when `b` is the entry's final batch. The one nextOffset rule of every fetch.
 */
export function offsetAfter(b: StoredBatch): number {
  return Math.max(b.last + 1, b.endsEntry ? b.entry.last + 1 : 0);
}

/**
 * The batch as a Kafka client expects it: real base offset, append time applied. Its CRC is checked first: the
 * server never hands out a batch it could know is damaged (withLogAppendTime checks it too, before re-sealing).
 */
export function wireBytes(b: StoredBatch): Uint8Array {
  return readingAt(
    () => damaged(b),
    () => {
      if (b.entry.appendTime === undefined) verifyBatchCrc(b.bytes);
      const stamped = withBaseOffset(b.bytes, b.base);
      return b.entry.appendTime === undefined ? stamped : withLogAppendTime(stamped, b.entry.appendTime);
    },
  );
}

/**
 * Where a damaged batch lies. Its offsets come from its header, which the damage may have hit (a merged segment's
 * base offset is outside the CRC): offsets outside its entry fall back to the whole entry.
 */
function damaged(b: StoredBatch): DamagedRange {
  const inside = b.base >= b.entry.base && b.base <= b.last && b.last <= b.entry.last;
  return {
    topic: b.topic,
    partition: b.partition,
    offset: inside ? b.base : b.entry.base,
    nextOffset: (inside ? b.last : b.entry.last) + 1,
  };
}

export type { StoredBatch };
