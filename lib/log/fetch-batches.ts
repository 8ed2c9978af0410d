/**
 * Many partitions' stored batches in one fetch, no record decoded (the binary answer of POST /v1/fetch): the same
 * reads, shared byte budget and long-poll wait as fetchMany, but each partition's answer is its batches as a Kafka
 * client expects them (wireBytes: CRC checked, real base offsets). The first batch of the answer is always taken,
 * whatever the budget, so a consumer progresses; after it, batches are taken while they fit the budget.
 * A partition that fails answers its error alone; the others are answered as usual.
 */
import { StrataError } from "../errors.js";
import type { TopicRecord } from "./entries.js";
import { type ReadLimits, type ReadResult, wireBytes } from "./fetch.js";
import type { FetchStart } from "./types.js";

export interface BatchesOfPartition {
  topic: string;
  partition: number;
  /** where the read started (earliest, latest and timestamps resolved): the first batch may begin below it */
  offset: number;
  /** the partition's batches, in offset order (send them back to back) */
  batches: Uint8Array[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export type BatchesAnswer = BatchesOfPartition | { topic: string; partition: number; error: StrataError };

/** What the log lends this loop: its reads, its clock and its wait (lib/log/log.ts). */
export interface BatchesContext {
  requests: { topic: string; partition: number; offset: FetchStart }[];
  limits: ReadLimits;
  deadline: number;
  now(): number;
  stopped(): boolean;
  resolve(request: { topic: string; partition: number }, index: number): Promise<TopicRecord>;
  read(topic: TopicRecord, partition: number, start: FetchStart, limits: ReadLimits): Promise<ReadResult>;
  wait(
    resolved: { partition: number; topicRecord: TopicRecord | StrataError }[],
    starts: number[],
    ms: number,
  ): Promise<void>;
  counted(records: number, bytes: number): void;
}

export async function readBatchesOfMany(ctx: BatchesContext): Promise<BatchesAnswer[]> {
  const resolved = await Promise.all(
    ctx.requests.map(async (r, i) => ({
      ...r,
      topicRecord: await ctx.resolve(r, i).catch((e) => e as StrataError),
    })),
  );
  const starts: FetchStart[] = ctx.requests.map((r) => r.offset);
  for (;;) {
    let budget = ctx.limits.maxBytes;
    let taken = 0;
    const answers: BatchesAnswer[] = [];
    for (const [i, r] of resolved.entries()) {
      if (r.topicRecord instanceof Error) {
        answers.push({ topic: r.topic, partition: r.partition, error: r.topicRecord });
        continue;
      }
      try {
        const read = await ctx.read(r.topicRecord, r.partition, starts[i]!, {
          maxRecords: ctx.limits.maxRecords,
          maxBytes: Math.max(1, budget),
        });
        starts[i] = read.offset;
        const batches: Uint8Array[] = [];
        let records = 0;
        let nextOffset = read.offset;
        for (const b of read.batches) {
          if (b.last < read.offset || b.last < read.head.logStart) continue;
          if (taken > 0 && b.bytes.length > budget) break;
          if (batches.length > 0 && records >= ctx.limits.maxRecords) break;
          const bytes = wireBytes(b);
          batches.push(bytes);
          budget -= bytes.length;
          taken++;
          records += b.last + 1 - Math.max(b.base, read.offset);
          nextOffset = Math.max(b.last + 1, b.endsEntry ? b.entry.last + 1 : 0);
        }
        ctx.counted(
          nextOffset - read.offset,
          batches.reduce((n, b) => n + b.length, 0),
        );
        answers.push({
          topic: r.topic,
          partition: r.partition,
          offset: read.offset,
          batches,
          nextOffset,
          highWatermark: read.head.next,
          logStartOffset: read.head.logStart,
        });
      } catch (e) {
        if (!(e instanceof StrataError)) throw e;
        answers.push({ topic: r.topic, partition: r.partition, error: e });
      }
    }
    const ready = answers.some((a) => "error" in a || a.batches.length > 0);
    const remaining = ctx.deadline - ctx.now();
    if (ready || remaining <= 0 || ctx.stopped()) return answers;
    await ctx.wait(resolved, starts as number[], remaining);
  }
}
