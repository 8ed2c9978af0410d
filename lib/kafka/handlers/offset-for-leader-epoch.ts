/**
 * OffsetForLeaderEpoch: every partition has had one leader epoch, 0, since it was created, so epoch 0 (or an
 * older one a client remembers, -1) ends at the high watermark and a later epoch is unknown (-1, -1).
 */
import { KafkaError, kafkaErrorCode } from "../errors.js";
import { OffsetForLeaderEpoch } from "../protocol/messages/offset-for-leader-epoch.js";
import type { Handler } from "./types.js";

export const offsetForLeaderEpoch: Handler = {
  spec: OffsetForLeaderEpoch,
  async handle(ctx, req) {
    const topics = req.topics as { topic: string; partitions: { partition: number; leaderEpoch: number }[] }[];
    const answered = await Promise.all(
      topics.map(async (t) => {
        const wanted = t.partitions.map((p) => p.partition);
        const described = await ctx.log.describePartitions(t.topic, wanted).catch((e: unknown) => e);
        return {
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            if (described instanceof Error) {
              return {
                errorCode: kafkaErrorCode(described, "offsets"),
                partition: p.partition,
                leaderEpoch: -1,
                endOffset: -1,
              };
            }
            const state = (described as { partitions: { partition: number; highWatermark: number }[] }).partitions.find(
              (s) => s.partition === p.partition,
            );
            if (!state) {
              return {
                errorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION,
                partition: p.partition,
                leaderEpoch: -1,
                endOffset: -1,
              };
            }
            if (p.leaderEpoch > 0)
              return { errorCode: KafkaError.NONE, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
            return {
              errorCode: KafkaError.NONE,
              partition: p.partition,
              leaderEpoch: 0,
              endOffset: state.highWatermark,
            };
          }),
        };
      }),
    );
    return { throttleTimeMs: 0, topics: answered };
  },
};
