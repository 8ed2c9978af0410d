/**
 * CreatePartitions: grows a topic to `count` partitions (or, with validateOnly, only checks). A count that is not
 * larger than the current one is INVALID_PARTITIONS, as in Kafka. Assignments, when given (non-empty), must hold one
 * entry per new partition (else INVALID_REPLICA_ASSIGNMENT); their broker ids are ignored, since every listener leads
 * every partition. A topic named twice is INVALID_REQUEST.
 */
import { MAX_PARTITIONS } from "../../contract.js";
import { AdminError, adminFailure, KafkaRefusal } from "../admin-errors.js";
import { CreatePartitions } from "../protocol/messages/create-partitions.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler, KafkaContext } from "./types.js";

interface TopicRequest {
  name: string;
  count: number;
  assignments: { brokerIds: number[] }[] | null;
}

export const createPartitions: Handler = {
  spec: CreatePartitions,
  async handle(ctx, req) {
    const topics = req.topics as TopicRequest[];
    const seen = new Map<string, number>();
    for (const t of topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results: Struct[] = [];
    for (const t of topics) {
      if ((seen.get(t.name) ?? 0) > 1) {
        results.push({
          name: t.name,
          errorCode: AdminError.INVALID_REQUEST,
          errorMessage: `topic "${t.name}" is listed more than once`,
        });
        continue;
      }
      results.push(await growOne(ctx, t, req.validateOnly === true));
    }
    return { throttleTimeMs: 0, results };
  },
};

async function growOne(ctx: KafkaContext, t: TopicRequest, validateOnly: boolean): Promise<Struct> {
  try {
    const { partitions } = await ctx.log.topicMetadata(t.name);
    if (t.count <= partitions) {
      throw new KafkaRefusal(
        AdminError.INVALID_PARTITIONS,
        `topic "${t.name}" has ${partitions} partitions; the new count must be larger, not ${t.count}`,
      );
    }
    if (t.count > MAX_PARTITIONS) {
      throw new KafkaRefusal(AdminError.INVALID_PARTITIONS, `a topic has at most ${MAX_PARTITIONS} partitions`);
    }
    if (t.assignments !== null && t.assignments.length > 0 && t.assignments.length !== t.count - partitions) {
      throw new KafkaRefusal(
        AdminError.INVALID_REPLICA_ASSIGNMENT,
        `${t.assignments.length} assignments given for ${t.count - partitions} new partitions`,
      );
    }
    if (!validateOnly) await ctx.log.updateTopic(t.name, { partitions: t.count });
    return { name: t.name, errorCode: AdminError.NONE, errorMessage: null };
  } catch (e) {
    return { name: t.name, ...adminFailure(e, "topics") };
  }
}
