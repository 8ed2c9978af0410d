/**
 * ListOffsets: per partition, -2 the earliest offset, -1 the latest (the high watermark), -3 the record with the
 * largest timestamp, -4 (earliest local) the earliest, and a time the first record at or after it (offset -1
 * when there is none). Every partition's leader epoch is 0.
 */

import type { OffsetLookup } from "../../log/service.js";
import { KafkaError, kafkaErrorCode } from "../errors.js";
import { ListOffsets } from "../protocol/messages/list-offsets.js";
import type { Handler } from "./types.js";

const lookupOf = (timestamp: number): OffsetLookup | undefined => {
  if (timestamp === -1) return "latest";
  if (timestamp === -2 || timestamp === -4) return "earliest";
  if (timestamp === -3) return "maxTimestamp";
  if (timestamp >= 0) return { timestamp };
  return undefined;
};

export const listOffsets: Handler = {
  spec: ListOffsets,
  async handle(ctx, req) {
    const topics = req.topics as { name: string; partitions: { partitionIndex: number; timestamp: number }[] }[];
    const answered = await Promise.all(
      topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const at = lookupOf(p.timestamp);
            if (at === undefined) {
              return {
                partitionIndex: p.partitionIndex,
                errorCode: KafkaError.INVALID_REQUEST,
                timestamp: -1,
                offset: -1,
              };
            }
            try {
              const found = await ctx.log.lookupOffset(t.name, p.partitionIndex, at);
              return { partitionIndex: p.partitionIndex, errorCode: KafkaError.NONE, ...found, leaderEpoch: 0 };
            } catch (e) {
              return {
                partitionIndex: p.partitionIndex,
                errorCode: kafkaErrorCode(e, "offsets"),
                timestamp: -1,
                offset: -1,
              };
            }
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics: answered };
  },
};
