/**
 * `strata groups reset-offsets`, after kafka-consumer-groups.sh: one of --to-earliest, --to-latest, --to-offset N,
 * --to-datetime TIME, --by-duration DURATION (now minus it) or --shift-by N (plus or minus, from the committed offset;
 * a partition without a commit shifts from its log start), over --topic T or T:0,2 (repeatable) or by default every
 * topic the group has commits for. planReset() computes the new offset of each partition, clamped to its
 * [log start, high watermark] as Kafka does; the command prints the plan and changes nothing unless --execute, which
 * commits exactly that plan (a standalone commit: the group must have no live members).
 */
import type { Admin, PartitionInfo } from "./admin.js";
import { parseDuration, parseTime, UsageError } from "./cli-time.js";

export type ResetSpec =
  | { kind: "earliest" }
  | { kind: "latest" }
  | { kind: "offset"; offset: number }
  | { kind: "time"; timestamp: number }
  | { kind: "shift"; by: number };

export interface ResetFlags {
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toDatetime?: string;
  byDuration?: string;
  shiftBy?: string;
}

export interface PlanRow {
  topic: string;
  partition: number;
  /** the committed offset now, null without a commit */
  current: number | null;
  /** the offset the group will read next after the reset */
  offset: number;
}

const FLAGS = "--to-earliest, --to-latest, --to-offset, --to-datetime, --by-duration or --shift-by";

export function parseResetSpec(o: ResetFlags, now = Date.now()): ResetSpec {
  const specs: ResetSpec[] = [];
  if (o.toEarliest) specs.push({ kind: "earliest" });
  if (o.toLatest) specs.push({ kind: "latest" });
  if (o.toOffset !== undefined) {
    if (!/^\d+$/.test(o.toOffset)) throw new UsageError(`--to-offset: a non-negative integer, got "${o.toOffset}"`);
    specs.push({ kind: "offset", offset: Number(o.toOffset) });
  }
  if (o.toDatetime !== undefined) specs.push({ kind: "time", timestamp: parseTime(o.toDatetime, "--to-datetime") });
  if (o.byDuration !== undefined)
    specs.push({ kind: "time", timestamp: now - parseDuration(o.byDuration, "--by-duration") });
  if (o.shiftBy !== undefined) {
    if (!/^[+-]?\d+$/.test(o.shiftBy))
      throw new UsageError(`--shift-by: an integer such as -10 or 5, got "${o.shiftBy}"`);
    specs.push({ kind: "shift", by: Number(o.shiftBy) });
  }
  if (specs.length !== 1) throw new UsageError(`reset-offsets: give exactly one of ${FLAGS}`);
  return specs[0]!;
}

/** --topic values: "orders" (every partition) or "orders:0,2". */
export function parseScopes(list: string[]): { topic: string; partitions?: number[] }[] {
  return list.map((s) => {
    const m = /^(.+?)(?::(\d+(?:,\d+)*))?$/.exec(s);
    if (!m) throw new UsageError(`--topic: TOPIC or TOPIC:P,P, got "${s}"`);
    return m[2] === undefined ? { topic: m[1]! } : { topic: m[1]!, partitions: m[2].split(",").map(Number) };
  });
}

export async function planReset(
  admin: Admin,
  group: string,
  spec: ResetSpec,
  scopes: { topic: string; partitions?: number[] }[],
): Promise<PlanRow[]> {
  const committed = await admin.fetchOffsets(group);
  const current = new Map(committed.map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
  const targets: { topic: string; partitions?: number[] }[] =
    scopes.length > 0 ? scopes : [...new Set(committed.map((c) => c.topic))].map((topic) => ({ topic }));
  const rows: PlanRow[] = [];
  for (const scope of targets) {
    const described = await admin.describeTopic(scope.topic);
    const infos: PartitionInfo[] = [];
    for (const p of scope.partitions ?? described.partitions.map((x) => x.partition)) {
      const info = described.partitions.find((x) => x.partition === p);
      if (!info) throw new UsageError(`--topic: topic ${scope.topic} has no partition ${p}`);
      infos.push(info);
    }
    const atTime =
      spec.kind === "time"
        ? new Map(
            (
              await admin.offsetsForTimes(
                scope.topic,
                spec.timestamp,
                infos.map((i) => i.partition),
              )
            ).map((r) => [r.partition, r.offset]),
          )
        : undefined;
    for (const info of infos) {
      const now = current.get(`${scope.topic}\u0000${info.partition}`) ?? null;
      const wanted =
        spec.kind === "earliest"
          ? info.logStartOffset
          : spec.kind === "latest"
            ? info.highWatermark
            : spec.kind === "offset"
              ? spec.offset
              : spec.kind === "shift"
                ? (now ?? info.logStartOffset) + spec.by
                : atTime!.get(info.partition)!;
      const offset = Math.min(info.highWatermark, Math.max(info.logStartOffset, wanted));
      rows.push({ topic: scope.topic, partition: info.partition, current: now, offset });
    }
  }
  return rows;
}
