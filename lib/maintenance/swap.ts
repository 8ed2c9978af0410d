/**
 * Changing a partition's index entries in steps of at most 100 ledger items (one is always the lease), such that
 * every state in between reads identically:
 *
 * - replace: a run of consecutive old entries is replaced, in ONE transaction, by one entry pointing at the
 *   same records in a new object. The new entry covers exactly the offsets the old ones covered (up to a
 *   compaction gap), so a reader sees either all the old entries or the new one, never a hole or a double.
 *   Long runs take several transactions, each replacing a chunk: in between, some chunks point into the new
 *   object and some into the old ones, and every offset is still covered exactly once.
 * - collapse: consecutive entries that point at adjacent byte ranges of one segment object (what the chunked
 *   replace leaves) become one entry over the union. Same bytes, same offsets: identical reads.
 * - drop: entries wholly below the log start go (the log start was moved first, so no reader is served them).
 *
 * Every removed entry takes its `ref#` item with it in the same transaction, and its object is put in the trash
 * (deleted later, after a grace period, if no reference is left). The head's bytes/batches are adjusted with `add`,
 * which never touches `next`: produce and maintenance only ever serialize on the head item, never contradict.
 */
import { type BatchEntry, entryAttrs } from "../log/entries.js";
import { batchKey, headKey, refKey } from "../log/keys.js";
import type { Condition, WriteOp } from "../storage/ledger.js";
import { MAX_TRANSACTION_ITEMS } from "../storage/ledger.js";
import type { Context } from "./context.js";
import { trashKey } from "./keys.js";
import type { Lease } from "./lease.js";
import type { Slice } from "./segments.js";

/** the lease item takes one slot of every transaction */
const BUDGET = MAX_TRANSACTION_ITEMS - 1;

export interface PartitionRef {
  topicId: string;
  partition: number;
}

/** The entry still points where we read it: nothing replaced it meanwhile. */
export const unchanged = (e: BatchEntry): Condition => ({
  op: "and",
  conditions: [
    { op: "eq", attr: "object", value: e.object },
    { op: "eq", attr: "pos", value: e.pos },
    { op: "eq", attr: "base", value: e.base },
  ],
});

const headOp = (p: PartitionRef, bytes: number, batches: number): WriteOp => ({
  type: "update",
  key: headKey(p.topicId, p.partition),
  add: { bytes, batches },
  condition: {
    op: "and",
    conditions: [
      { op: "eq", attr: "topicId", value: p.topicId },
      { op: "attrNotExists", attr: "deleted" },
    ],
  },
});

function trashOps(ctx: Context, objects: Iterable<string>): WriteOp[] {
  const at = ctx.clock.now();
  return [...new Set(objects)].map((object) => ({
    type: "put",
    key: trashKey(object),
    attrs: { at, token: ctx.unique() },
  }));
}

const removeOps = (p: PartitionRef, e: BatchEntry): WriteOp[] => [
  { type: "delete", key: batchKey(p.topicId, p.partition, e.last), condition: unchanged(e) },
  { type: "delete", key: refKey(e.object, p.topicId, p.partition, e.base) },
];

/** Drops entries (each wholly below the log start). Returns how many were dropped before a condition failed. */
export async function dropEntries(
  ctx: Context,
  lease: Lease,
  p: PartitionRef,
  entries: BatchEntry[],
  options: { adjustHead?: boolean } = {},
): Promise<number> {
  const adjustHead = options.adjustHead ?? true;
  let done = 0;
  while (done < entries.length) {
    const chunk: BatchEntry[] = [];
    const objects = new Set<string>();
    for (const e of entries.slice(done)) {
      const extra = objects.has(e.object) ? 2 : 3;
      if (1 + (chunk.length * 2 + objects.size) + extra > BUDGET) break;
      chunk.push(e);
      objects.add(e.object);
    }
    const ops = [...chunk.flatMap((e) => removeOps(p, e)), ...trashOps(ctx, objects)];
    if (adjustHead) ops.push(headOp(p, -chunk.reduce((n, e) => n + e.len, 0), -chunk.length));
    if (!(await lease.transact(ops))) return done;
    done += chunk.length;
  }
  return done;
}

/** The new entry for a chunk of slices, or undefined when compaction left no batch in it. */
function entryFor(object: string, chunk: Slice[]): BatchEntry | undefined {
  const filled = chunk.filter((s) => s.end > s.start);
  if (filled.length === 0) return undefined;
  const first = filled[0]!;
  const last = filled.at(-1)!;
  const e: BatchEntry = {
    base: chunk[0]!.old.base,
    last: last.lastOffset!,
    object,
    pos: first.start,
    len: last.end - first.start,
    count: chunk.reduce((n, s) => n + s.count, 0),
    maxTs: Math.max(-1, ...filled.map((s) => s.maxTs)),
    // tsHigh is the running maximum in offset order: the old last entry's value is still exactly that.
    tsHigh: chunk.at(-1)!.old.tsHigh,
    stamped: true,
  };
  const points = chunk.flatMap((s) => s.points).map(([o, at]): [number, number] => [o, at - e.pos]);
  if (points.length > 1) e.index = points;
  return e;
}

/**
 * Replaces consecutive old entries by entries pointing into `object`, chunk by chunk. Returns the new entries
 * written (in order); stops early (returning what it did) when an entry changed under it.
 */
export async function replaceEntries(
  ctx: Context,
  lease: Lease,
  p: PartitionRef,
  object: string,
  slices: Slice[],
): Promise<{ written: BatchEntry[]; complete: boolean }> {
  const written: BatchEntry[] = [];
  let done = 0;
  while (done < slices.length) {
    const chunk: Slice[] = [];
    const objects = new Set<string>();
    for (const s of slices.slice(done)) {
      // head + new entry + its ref + 2 per old entry + one trash item per distinct old object
      const extra = objects.has(s.old.object) ? 2 : 3;
      if (3 + chunk.length * 2 + objects.size + extra > BUDGET) break;
      chunk.push(s);
      objects.add(s.old.object);
    }
    const next = entryFor(object, chunk);
    const ops: WriteOp[] = [];
    const oldLen = chunk.reduce((n, s) => n + s.old.len, 0);
    ops.push(headOp(p, (next?.len ?? 0) - oldLen, (next ? 1 : 0) - chunk.length));
    for (const s of chunk) {
      const overwritten = next !== undefined && s.old.last === next.last;
      if (overwritten) {
        ops.push({
          type: "put",
          key: batchKey(p.topicId, p.partition, next.last),
          attrs: entryAttrs(next),
          condition: unchanged(s.old),
        });
      } else ops.push(removeOps(p, s.old)[0]!);
      ops.push(removeOps(p, s.old)[1]!);
    }
    if (next && !chunk.some((s) => s.old.last === next.last)) {
      ops.push({
        type: "put",
        key: batchKey(p.topicId, p.partition, next.last),
        attrs: entryAttrs(next),
        condition: { op: "notExists" },
      });
    }
    if (next)
      ops.push({ type: "put", key: refKey(object, p.topicId, p.partition, next.base), attrs: { at: ctx.clock.now() } });
    ops.push(...trashOps(ctx, objects));
    if (!(await lease.transact(ops))) return { written, complete: false };
    if (next) written.push(next);
    done += chunk.length;
  }
  return { written, complete: true };
}

/** Runs of entries a collapse can join: same object, adjacent bytes, stamped. */
export function collapsibleRuns(entries: BatchEntry[]): BatchEntry[][] {
  const runs: BatchEntry[][] = [];
  let run: BatchEntry[] = [];
  for (const e of entries) {
    const prev = run.at(-1);
    if (prev && e.stamped && prev.stamped && e.object === prev.object && e.pos === prev.pos + prev.len) run.push(e);
    else {
      if (run.length > 1) runs.push(run);
      run = [e];
    }
  }
  if (run.length > 1) runs.push(run);
  return runs;
}

/** Joins a run of adjacent entries of one object into one entry, in as few transactions as it takes. */
export async function collapse(
  ctx: Context,
  lease: Lease,
  p: PartitionRef,
  run: BatchEntry[],
  indexInterval: number,
): Promise<BatchEntry | undefined> {
  let level = run;
  // head + put + ref put + 2 per removed entry: at most 48 entries per transaction
  const maxGroup = Math.floor((BUDGET - 3) / 2) + 1;
  while (level.length > 1) {
    const nextLevel: BatchEntry[] = [];
    for (let i = 0; i < level.length; i += maxGroup) {
      const group = level.slice(i, i + maxGroup);
      if (group.length === 1) {
        nextLevel.push(group[0]!);
        continue;
      }
      const joined = join(group, indexInterval);
      const ops: WriteOp[] = [headOp(p, 0, 1 - group.length)];
      for (const e of group.slice(0, -1)) ops.push(...removeOps(p, e));
      // The first entry's ref key is the joined entry's (same object, same base): rewrite it rather than delete.
      ops.splice(
        ops.findIndex((o) => o.type === "delete" && o.key.pk.startsWith("ref#")),
        1,
      );
      const last = group.at(-1)!;
      ops.push({
        type: "put",
        key: batchKey(p.topicId, p.partition, last.last),
        attrs: entryAttrs(joined),
        condition: unchanged(last),
      });
      ops.push({ type: "delete", key: refKey(last.object, p.topicId, p.partition, last.base) });
      ops.push({
        type: "put",
        key: refKey(joined.object, p.topicId, p.partition, joined.base),
        attrs: { at: ctx.clock.now() },
      });
      if (!(await lease.transact(ops))) return undefined;
      nextLevel.push(joined);
    }
    level = nextLevel;
  }
  return level[0];
}

function join(group: BatchEntry[], indexInterval: number): BatchEntry {
  const first = group[0]!;
  const last = group.at(-1)!;
  const pos = first.pos;
  const points: [number, number][] = [];
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const e of group) {
    const own: [number, number][] = e.index ?? [[e.base, 0]];
    for (const [o, rel] of own) {
      const at = e.pos - pos + rel;
      if (points.length === 0 || at - lastAt >= indexInterval) {
        points.push([Math.max(o, e.base), at]);
        lastAt = at;
      }
    }
  }
  const joined: BatchEntry = {
    base: first.base,
    last: last.last,
    object: first.object,
    pos,
    len: last.pos + last.len - pos,
    count: group.reduce((n, e) => n + e.count, 0),
    maxTs: Math.max(...group.map((e) => e.maxTs)),
    tsHigh: last.tsHigh,
    stamped: true,
  };
  if (points.length > 1) joined.index = points;
  return joined;
}
