/**
 * JSON produce: each record given its partition (explicit, else Kafka's murmur2 of the key, else one sticky
 * partition per request), checked against the topic's rules, and encoded as one RecordBatch v2 per partition;
 * then committed (commit.ts). Results come back in the order of the records.
 */
import { InvalidArgumentError, relocated } from "../errors.js";
import { codecByName } from "../format/compression.js";
import { encodeRecordBatch } from "../format/record-batch.js";
import { Compression, type RecordInput } from "../format/types.js";
import { commitPlans, type PartitionPlan, produceResult } from "./commit.js";
import type { LogContext } from "./context.js";
import { partitionForKey } from "./partitioner.js";
import { declaredProducer } from "./producer-identity.js";
import { checkRecord, recordEncodedSize, topicRules } from "./records.js";
import type { ProduceRecord, ProduceResult, ProducerIdentity } from "./types.js";
import { checkRecordCount } from "./validate.js";

export async function produceRecords(
  ctx: LogContext,
  topicName: string,
  records: ProduceRecord[],
  producer?: ProducerIdentity,
): Promise<ProduceResult> {
  if (!Array.isArray(records) || records.length === 0) {
    throw new InvalidArgumentError({}, "at least one record is required");
  }
  const topic = await ctx.topics.get(topicName);
  const now = ctx.clock.now();
  const rules = topicRules(topic);
  // Partition assignment: explicit, else Kafka's murmur2 of the key, else one sticky partition per request.
  let sticky: number | undefined;
  const byPartition = new Map<number, number[]>();
  let known = topic.partitions;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let p: number;
    if (r.partition !== undefined) {
      p = r.partition;
      // Anything not plainly inside the cached range is checked against fresh metadata (the topic may have grown).
      if (!Number.isInteger(p) || p < 0 || p >= known) {
        known = (await ctx.topics.partition(topicName, p, { record: i, member: "partition" })).partitions;
      }
    } else if (producer) {
      throw new InvalidArgumentError(
        { record: i, member: "partition" },
        "an idempotent produce must name every record's partition",
      );
    } else if (r.key) p = partitionForKey(r.key, topic.partitions);
    else p = sticky ??= Math.floor(ctx.random() * topic.partitions);
    const list = byPartition.get(p) ?? [];
    byPartition.set(p, list);
    list.push(i);
  }
  // compression.type "producer" and "uncompressed" both mean: JSON records are stored uncompressed.
  const compression = codecByName(topic.config["compression.type"] ?? "") ?? Compression.none;
  const plans: PartitionPlan[] = [];
  for (const [partition, indices] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    // one batch per partition: its records are bounded as a binary batch's are
    checkRecordCount(indices.length, {}, `partition ${partition}'s`);
    const inputs: RecordInput[] = indices.map((i) => {
      const r = records[i]!;
      return {
        key: r.key,
        value: r.value,
        headers: r.headers ?? [],
        timestamp: rules.logAppendTime ? now : (r.timestamp ?? now),
      };
    });
    const baseTs = inputs[0]!.timestamp;
    inputs.forEach((r, j) => {
      checkRecord(rules, r, recordEncodedSize(r, j, r.timestamp - baseTs), now, { record: indices[j]! });
    });
    const plan: PartitionPlan = {
      partition,
      indices,
      bytes: new Uint8Array(0),
      count: inputs.length,
      maxTs: Math.max(...inputs.map((r) => r.timestamp)),
    };
    if (producer) plan.producer = declaredProducer(producer, partition);
    // the encoder locates a record in this partition's batch; the caller knows it by its place in `records`
    plan.bytes = relocated(
      () =>
        encodeRecordBatch(inputs, {
          compression,
          producerId: producer?.producerId ?? -1,
          producerEpoch: producer?.producerEpoch ?? -1,
          baseSequence: plan.producer?.baseSequence ?? -1,
        }),
      ({ record, ...at }) => (record === undefined ? at : { ...at, record: indices[record]! }),
    );
    plans.push(plan);
  }
  const outcomes = await commitPlans(ctx, topic, plans, rules.logAppendTime ? now : undefined);
  return produceResult(plans, outcomes, records.length);
}
