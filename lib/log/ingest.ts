/**
 * Binary produce: RecordBatch v2 bytes stored exactly as sent, one result per input partition entry. The bytes
 * become this call's own first (copied, or moved when handed over), their headers are planned at once and their
 * CRCs and records checked while the object is written: nothing commits unless they pass.
 */
import { InvalidArgumentError } from "../errors.js";
import { commitPlans, type PartitionPlan, produceResult } from "./commit.js";
import type { LogContext } from "./context.js";
import { declaredProducer } from "./producer-identity.js";
import { topicRules } from "./records.js";
import type { PartitionBatches } from "./service.js";
import type { ProduceResult, ProducerIdentity } from "./types.js";
import { checkBatchesDeeply, type PlannedPartition, planBatches } from "./validate.js";

export async function produceBatches(
  ctx: LogContext,
  topicName: string,
  input: PartitionBatches[],
  producer?: ProducerIdentity,
  options: { transfer?: boolean } = {},
): Promise<ProduceResult> {
  if (!Array.isArray(input) || input.length === 0) throw new InvalidArgumentError({}, "no batches given");
  const topic = await ctx.topics.get(topicName);
  const rules = topicRules(topic);
  const now = ctx.clock.now();
  const seen = new Set<number>();
  const plans: PartitionPlan[] = [];
  const planned: PlannedPartition[] = [];
  // The object is this call's own: what is checked is what is stored, even if the caller reuses its buffers.
  const object = laidOut(input, options.transfer === true);
  for (let k = 0; k < input.length; k++) {
    const partition = input[k]!.partition;
    const bytes = object.parts[k]!;
    await ctx.topics.partition(topicName, partition, { input: k, member: "partition" });
    if (seen.has(partition))
      throw new InvalidArgumentError({ input: k, member: "partition" }, `partition ${partition} appears twice`);
    seen.add(partition);
    const batches = planBatches(bytes, k);
    let batchProducer = batches.producer;
    if (producer) {
      const given = declaredProducer(producer, partition);
      // The stored batch is what readers see: its header must say what the ledger is told.
      if (!batchProducer) {
        throw new InvalidArgumentError(
          { input: k, member: "producerId" },
          "an idempotent produce needs the producer in the batch header (producerId -1 names none)",
        );
      }
      for (const m of ["producerId", "producerEpoch", "baseSequence"] as const) {
        if (batchProducer[m] !== given[m]) {
          throw new InvalidArgumentError(
            { member: m, partition },
            `${m} ${given[m]} differs from the batch header's ${batchProducer[m]}`,
          );
        }
      }
      batchProducer = given;
    }
    const plan: PartitionPlan = {
      partition,
      indices: [k],
      bytes,
      count: batches.count,
      maxTs: rules.logAppendTime ? now : batches.maxTimestamp,
    };
    if (batchProducer) plan.producer = batchProducer;
    plans.push(plan);
    planned.push(batches);
  }
  // CRCs and records are checked while the object is written: nothing commits unless they pass
  const outcomes = await commitPlans(
    ctx,
    topic,
    plans,
    rules.logAppendTime ? now : undefined,
    () => checkBatchesDeeply(planned, rules, now),
    object.body,
  );
  return produceResult(plans, outcomes, input.length);
}

/**
 * The object body, owned by this call, and each partition's view of it: one partition's bytes moved when they
 * are handed over and fill their own ArrayBuffer (a copy of 1 MiB costs up to a quarter of the append it
 * precedes, mostly in page faults of the fresh buffer), else everything copied back to back.
 */
function laidOut(input: PartitionBatches[], transfer: boolean): { body: Uint8Array; parts: Uint8Array[] } {
  let total = 0;
  input.forEach((entry, k) => {
    if (!(entry?.bytes instanceof Uint8Array)) {
      throw new InvalidArgumentError({ input: k, member: "bytes" }, "batch bytes must be a Uint8Array");
    }
    total += entry.bytes.length;
  });
  const moved = transfer && input.length === 1 ? adopt(input[0]!.bytes) : undefined;
  if (moved !== undefined) return { body: moved, parts: [moved] };
  // every byte is overwritten below: no zero fill (a quarter of the copy's cost), and not from the shared pool
  const body: Uint8Array = Buffer.allocUnsafeSlow(total);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const { bytes } of input) {
    body.set(bytes, at);
    parts.push(body.subarray(at, at + bytes.length));
    at += bytes.length;
  }
  return { body, parts };
}

/**
 * Takes over the memory of a view that spans a whole ArrayBuffer of its own, detaching the caller's view; never
 * a slice of a larger buffer (such as Node's pool of small Buffers, which other Buffers share).
 */
function adopt(bytes: Uint8Array): Uint8Array | undefined {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) {
    return undefined;
  }
  try {
    return new Uint8Array(structuredClone(buffer, { transfer: [buffer] }));
  } catch {
    return undefined; // not transferable (e.g. WebAssembly memory): copied instead
  }
}
