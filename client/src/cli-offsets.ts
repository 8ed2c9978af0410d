/**
 * Where `strata consume` starts and stops, kcat style: -o beginning | end | OFFSET | -N (the last N of each
 * partition) | s@TIME (the first record at or after TIME), -o e@TIME (stop before the first record at or after
 * TIME; may be given with a start), and --ago DURATION (s@ now minus DURATION). startFor() turns the start
 * into a position per partition (the last N need the partition's bounds); cli-consume.ts turns the end time into
 * an end offset per partition (admin.offsetsForTimes).
 */
import type { PartitionInfo } from "./admin.js";
import { parseDuration, parseTime, UsageError } from "./cli-time.js";
import type { StartPosition } from "./consumer.js";

export type StartSpec = "earliest" | "latest" | { offset: number } | { last: number } | { timestamp: number };

export interface OffsetSpec {
  start: StartSpec;
  /** stop each partition before its first record at or after this time (ms) */
  endTime?: number;
}

const SHAPES = "beginning, end, OFFSET, -N, s@TIME or e@TIME";

export function parseOffsets(
  options: string[],
  o: { fromBeginning?: boolean; ago?: string },
  now = Date.now(),
): OffsetSpec {
  let start: StartSpec | undefined;
  let endTime: number | undefined;
  const setStart = (s: StartSpec, what: string) => {
    if (start !== undefined) throw new UsageError(`${what}: give one start (-o, --from-beginning or --ago)`);
    start = s;
  };
  if (o.fromBeginning) setStart("earliest", "--from-beginning");
  if (o.ago !== undefined) setStart({ timestamp: now - parseDuration(o.ago, "--ago") }, "--ago");
  for (const v of options) {
    if (v.startsWith("e@")) {
      if (endTime !== undefined) throw new UsageError("-o: one e@TIME");
      endTime = parseTime(v.slice(2), "-o e@");
    } else if (v === "beginning") setStart("earliest", "-o");
    else if (v === "end") setStart("latest", "-o");
    else if (/^\d+$/.test(v)) setStart({ offset: Number(v) }, "-o");
    else if (/^-\d+$/.test(v)) setStart({ last: Number(v.slice(1)) }, "-o");
    else if (v.startsWith("s@")) setStart({ timestamp: parseTime(v.slice(2), "-o s@") }, "-o");
    else throw new UsageError(`-o: ${SHAPES}, got "${v}"`);
  }
  return { start: start ?? "latest", ...(endTime !== undefined ? { endTime } : {}) };
}

/** The consumer's start position for one partition. */
export function startFor(start: StartSpec, p: PartitionInfo): StartPosition {
  if (typeof start === "string") return start;
  if ("offset" in start) return start.offset;
  if ("timestamp" in start) return { timestamp: start.timestamp };
  return Math.max(p.logStartOffset, p.highWatermark - start.last);
}
