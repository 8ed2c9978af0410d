/**
 * `strata consume TOPIC...`: prints records in a kcat format or as JSON lines. Without -g it reads the partitions
 * itself (assign) from the -o/--ago start (cli-offsets.ts); with -g it is a member of the group, which may read
 * several topics, and commits. It ends after -c records, with -e once every partition is read to its end, with
 * -o e@TIME once every partition has reached TIME, or on SIGINT/SIGTERM (exit 0 in each case, as kcat).
 */
import type { PartitionInfo } from "./admin.js";
import { parseOffsets, startFor } from "./cli-offsets.js";
import { UsageError } from "./cli-time.js";
import type { StartPosition } from "./consumer.js";
import type { Strata } from "./index.js";
import type { Message } from "./records.js";

export interface ConsumeOptions {
  fromBeginning?: boolean;
  offset: string[];
  ago?: string;
  partition?: number;
  group?: string;
  count?: number;
  exit?: boolean;
}

export type Render = (topic: string, partition: number, m: Message) => string;

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export async function consume(
  strata: Strata,
  topics: string[],
  o: ConsumeOptions,
  render: Render,
  out: (s: string) => void,
): Promise<void> {
  const spec = parseOffsets(o.offset, o);
  if (o.group !== undefined && (typeof spec.start !== "string" || spec.endTime !== undefined))
    throw new UsageError("with -g, -o takes only beginning or end (where a partition without a commit starts)");
  if (o.partition !== undefined && topics.length > 1) throw new UsageError("-p: only with a single topic");
  if (o.count === 0) return;
  const admin = strata.admin();
  const described = new Map<string, PartitionInfo[]>();
  for (const topic of topics) described.set(topic, (await admin.describeTopic(topic)).partitions);
  const assigned: { topic: string; partition: number; offset: StartPosition }[] = [];
  for (const [topic, partitions] of described) {
    if (o.partition !== undefined && !partitions.some((p) => p.partition === o.partition))
      throw new UsageError(`-p: topic ${topic} has no partition ${o.partition}`);
    for (const p of partitions)
      if (o.partition === undefined || p.partition === o.partition)
        assigned.push({ topic, partition: p.partition, offset: startFor(spec.start, p) });
  }
  // e@TIME: where each partition stops, when a record at or after TIME exists already; otherwise at the first one
  const ends = new Map<string, number | null>();
  if (spec.endTime !== undefined) {
    for (const topic of topics) {
      const mine = assigned.filter((a) => a.topic === topic).map((a) => a.partition);
      const found = await admin.offsetsForTimes(topic, spec.endTime, mine);
      for (const f of found) ends.set(tp(topic, f.partition), f.timestamp === null ? null : f.offset);
    }
  }

  let seen = 0;
  const atEnd = new Set<string>();
  const done = new Set<string>();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const mine = () =>
    o.group
      ? consumer.assignment().map((a) => tp(a.topic, a.partition))
      : assigned.map((a) => tp(a.topic, a.partition));
  const checkFinished = () => {
    const all = mine();
    if (all.length === 0) return;
    if (spec.endTime !== undefined && all.every((k) => done.has(k))) finish();
    if (o.exit && all.every((k) => atEnd.has(k) || done.has(k))) finish();
  };
  const markDone = (topic: string, partition: number) => {
    done.add(tp(topic, partition));
    consumer.pause([{ topic, partition }]);
    checkFinished();
  };
  const consumer = strata.consumer({
    groupId: o.group,
    autoOffsetReset: spec.start === "earliest" ? "earliest" : "latest",
    sessionTimeoutMs: 10_000,
    autoCommitIntervalMs: 1000,
    maxWaitMs: o.exit || spec.endTime !== undefined ? 500 : 5000,
    onEndOfPartition: ({ topic, partition, highWatermark }) => {
      atEnd.add(tp(topic, partition));
      const end = ends.get(tp(topic, partition));
      if (spec.endTime !== undefined && (end === null ? Date.now() >= spec.endTime : highWatermark >= end!))
        markDone(topic, partition);
      checkFinished();
    },
  });
  if (o.group) consumer.subscribe({ topics });
  else consumer.assign(assigned);
  if (spec.endTime !== undefined) {
    for (const a of assigned) {
      const end = ends.get(tp(a.topic, a.partition));
      if (typeof end === "number" && typeof a.offset === "number" && a.offset >= end) markDone(a.topic, a.partition);
    }
  }

  const onSignal = () => finish();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const key = tp(topic, partition);
        if ((o.count !== undefined && seen >= o.count) || done.has(key)) return;
        if (spec.endTime !== undefined) {
          const end = ends.get(key);
          if (end === null ? message.timestamp >= spec.endTime : message.offset >= end!) {
            markDone(topic, partition);
            return;
          }
        }
        atEnd.delete(key);
        out(render(topic, partition, message));
        seen++;
        if (o.count !== undefined && seen >= o.count) finish();
      },
    });
    await Promise.race([finished, consumer.stopped()]);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await consumer.close();
  }
  await consumer.stopped();
}
