/**
 * Reading a partition's stored batches and writing merged segments.
 *
 * A merged segment object is a plain sequence of RecordBatch v2 batches, like a Kafka .log file, with every batch
 * carrying its real base offset (the index entries pointing into it say `stamped`) and, for LogAppendTime topics,
 * its append time sealed in (so one entry can cover batches committed at different times). Its sparse index is a
 * list of [first offset of a batch, byte position] points, one about every indexIntervalBytes, kept in the index
 * entry so a reader finds its starting position with the lookup it already makes.
 */
import { StrataError } from "../errors.js";
import { FormatError } from "../format/errors.js";
import { type BatchHeader, splitBatches, withBaseOffset, withLogAppendTime } from "../format/record-batch.js";
import type { BatchEntry } from "../log/entries.js";
import type { ObjectStore } from "../storage/object-store.js";

/** One batch as it must appear in a segment: real base offset stamped in, append time sealed in. */
export interface SealedBatch {
  bytes: Uint8Array;
  base: number;
  last: number;
  header: BatchHeader;
  entry: BatchEntry;
}

/** Reads the batches of consecutive entries; contiguous ranges of one object become one GET. */
export async function readEntries(store: ObjectStore, entries: BatchEntry[]): Promise<SealedBatch[][]> {
  const groups: { object: string; start: number; end: number; members: number[] }[] = [];
  entries.forEach((e, i) => {
    const g = groups.at(-1);
    if (g && g.object === e.object && g.end === e.pos) {
      g.end = e.pos + e.len;
      g.members.push(i);
    } else groups.push({ object: e.object, start: e.pos, end: e.pos + e.len, members: [i] });
  });
  const out: SealedBatch[][] = new Array(entries.length);
  for (const g of groups) {
    const bytes = await store.get(g.object, { start: g.start, end: g.end });
    if (bytes.length !== g.end - g.start) {
      throw new StrataError("CORRUPT_DATA", `object ${g.object} is shorter than its index entries say`);
    }
    for (const i of g.members) {
      const e = entries[i]!;
      out[i] = sealEntry(bytes.subarray(e.pos - g.start, e.pos - g.start + e.len), e);
    }
  }
  return out;
}

/** Splits one entry's bytes into batches with their real offsets, checking the entry's invariant. */
export function sealEntry(bytes: Uint8Array, e: BatchEntry): SealedBatch[] {
  const out: SealedBatch[] = [];
  let running = e.base;
  let parts: ReturnType<typeof splitBatches>;
  try {
    parts = splitBatches(bytes);
  } catch (cause) {
    throw new StrataError("CORRUPT_DATA", `index entry ${e.base}-${e.last} holds no valid batches`, { cause });
  }
  for (const { header, start, end } of parts) {
    const base = e.stamped ? header.baseOffset : running;
    const last = base + header.lastOffsetDelta;
    running = last + 1;
    let b = bytes.subarray(start, end);
    if (!e.stamped) b = withBaseOffset(b, base);
    if (e.appendTime !== undefined) b = withLogAppendTime(b, e.appendTime);
    out.push({ bytes: b, base, last, header: { ...header, baseOffset: base }, entry: e });
  }
  if (!e.stamped && running !== e.last + 1) {
    throw new StrataError("CORRUPT_DATA", `index entry ${e.base}-${e.last} does not match its batches`, {
      cause: new FormatError(`batches end at ${running - 1}`),
    });
  }
  return out;
}

/** Where one old entry's batches landed in a new object. */
export interface Slice {
  old: BatchEntry;
  start: number;
  end: number;
  /** records kept */
  count: number;
  maxTs: number;
  /** last offset covered by the batches in this slice (undefined when compaction left none) */
  lastOffset?: number;
  /** index points inside this slice: [batch base offset, absolute byte position] */
  points: [number, number][];
}

/** Lays batches out one after another, old entry by old entry, with an index point every `interval` bytes. */
export function layout(
  perEntry: {
    old: BatchEntry;
    batches: { bytes: Uint8Array; base: number; last: number }[];
    count: number;
    maxTs: number;
  }[],
  interval: number,
): { body: Uint8Array; slices: Slice[] } {
  const total = perEntry.reduce((n, p) => n + p.batches.reduce((m, b) => m + b.bytes.length, 0), 0);
  const body = new Uint8Array(total);
  const slices: Slice[] = [];
  let at = 0;
  let lastPoint = Number.NEGATIVE_INFINITY;
  for (const p of perEntry) {
    const slice: Slice = { old: p.old, start: at, end: at, count: p.count, maxTs: p.maxTs, points: [] };
    for (const b of p.batches) {
      if (at - lastPoint >= interval) {
        slice.points.push([b.base, at]);
        lastPoint = at;
      }
      body.set(b.bytes, at);
      at += b.bytes.length;
      slice.lastOffset = b.last;
    }
    slice.end = at;
    slices.push(slice);
  }
  return { body, slices };
}
