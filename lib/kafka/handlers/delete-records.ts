/**
 * DeleteRecords: moves each partition's log start to the offset given (-1: the high watermark), at once in the
 * ledger, through the same deleteRecords as the HTTP API; answers the new low watermark. An offset beyond the
 * high watermark (or below -1) is OFFSET_OUT_OF_RANGE; a missing topic or partition UNKNOWN_TOPIC_OR_PARTITION.
 */
import { AdminError, adminFailure } from "../admin-errors.js";
import { DeleteRecords } from "../protocol/messages/delete-records.js";
import type { Handler } from "./types.js";

interface TopicRequest {
  name: string;
  partitions: { partitionIndex: number; offset: number }[];
}

export const deleteRecords: Handler = {
  spec: DeleteRecords,
  async handle(ctx, req) {
    const topics = await Promise.all(
      (req.topics as TopicRequest[]).map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            try {
              const { lowWatermark } = await ctx.records.deleteRecords(t.name, p.partitionIndex, p.offset);
              return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: AdminError.NONE };
            } catch (e) {
              return {
                partitionIndex: p.partitionIndex,
                lowWatermark: -1,
                errorCode: adminFailure(e, "records").errorCode,
              };
            }
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
};
