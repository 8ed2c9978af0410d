/**
 * The write both produce paths end in: one object holding every partition's bytes (written while an optional
 * check runs), then each partition's commit on its own through the sequencer; a failed partition changes
 * nothing. Also the one mapping from commit outcomes to the results a produce answers with.
 */
import { randomBytes } from "node:crypto";
import { StrataError } from "../errors.js";
import type { LogContext } from "./context.js";
import type { TopicRecord } from "./entries.js";
import { incomingObjectKey } from "./keys.js";
import type { PartitionProducer } from "./producer-identity.js";
import type { CommitRequest } from "./sequencer.js";
import type { ProduceOutcome, ProduceResult } from "./types.js";

/**
 * A produce never commits later than this after its object PUT. Maintenance relies on it (an object older than
 * this with no reference can never gain one, so the sweep may delete it), so the option may only shorten it.
 */
export const COMMIT_DEADLINE_MS = 120_000;

export interface PartitionPlan {
  partition: number;
  /** input positions, in order */
  indices: number[];
  bytes: Uint8Array;
  count: number;
  maxTs: number;
  producer?: PartitionProducer;
}

export type CommitOutcome = { base: number } | { error: StrataError };

/** One object for all partitions, then each partition's commit on its own; a failed partition changes nothing. */
export async function commitPlans(
  ctx: LogContext,
  topic: TopicRecord,
  plans: PartitionPlan[],
  appendTime: number | undefined,
  validate?: () => Promise<void>,
  /** the plans' bytes, already laid out back to back in one buffer this call owns */
  laidOut?: Uint8Array,
): Promise<CommitOutcome[]> {
  const positions: number[] = [];
  let at = 0;
  for (const p of plans) {
    positions.push(at);
    at += p.bytes.length;
  }
  // one encoded partition is the object as it is (the plans' bytes are this call's own)
  let body = laidOut ?? (plans.length === 1 ? plans[0]!.bytes : undefined);
  if (body === undefined) {
    body = new Uint8Array(at);
    for (const [k, p] of plans.entries()) body.set(p.bytes, positions[k]!);
  }
  const written = ctx.clock.now();
  const object = incomingObjectKey(topic.id, written, `${written.toString(36)}-${randomBytes(10).toString("hex")}`);
  await putChecked(ctx, object, body, validate);
  const deadline = written + ctx.settings.commitDeadlineMs;
  return Promise.all(
    plans.map(async (plan, k) => {
      const req: CommitRequest = {
        topic,
        partition: plan.partition,
        object,
        pos: positions[k]!,
        len: plan.bytes.length,
        count: plan.count,
        maxTs: plan.maxTs,
        deadline,
      };
      if (appendTime !== undefined) req.appendTime = appendTime;
      if (plan.producer) req.producer = { ...plan.producer, expirationMs: ctx.settings.producerExpirationMs };
      try {
        const base = await ctx.sequencer.commit(req);
        ctx.metrics.count("ProduceRecords", plan.count, { Topic: topic.name });
        ctx.metrics.count("ProduceBytes", plan.bytes.length, { Topic: topic.name });
        return { base };
      } catch (e) {
        if (e instanceof StrataError && e.code === "TOPIC_NOT_FOUND") ctx.topics.invalidate(topic.name);
        if (e instanceof StrataError && plans.length > 1) return { error: e };
        throw e;
      }
    }),
  );
}

/** Each input position's result: its partition and offset (a plan's base plus its place in the plan), or the error. */
export function produceResult(plans: PartitionPlan[], outcomes: CommitOutcome[], inputs: number): ProduceResult {
  const results: ProduceOutcome[] = new Array(inputs);
  let failed = 0;
  plans.forEach((plan, k) => {
    const outcome = outcomes[k]!;
    plan.indices.forEach((i, j) => {
      if ("error" in outcome) {
        failed++;
        results[i] = { partition: plan.partition, error: outcome.error };
      } else results[i] = { partition: plan.partition, offset: outcome.base + j };
    });
  });
  return { results, failed };
}

/**
 * Writes the object while `validate` runs. A failed validation wins over a failed write (it is the caller's
 * fault, and says which field); its object is deleted at once, or left to the orphan sweep if that fails.
 */
async function putChecked(
  ctx: LogContext,
  object: string,
  body: Uint8Array,
  validate?: () => Promise<void>,
): Promise<void> {
  if (!validate) return ctx.store.put(object, body);
  const [put, check] = await Promise.allSettled([ctx.store.put(object, body), validate()]);
  if (check.status === "rejected") {
    if (put.status === "fulfilled") await ctx.store.delete(object).catch(() => {});
    throw check.reason;
  }
  if (put.status === "rejected") throw put.reason;
}
