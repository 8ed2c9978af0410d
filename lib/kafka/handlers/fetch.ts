/**
 * Fetch: one LogService.fetchManyBatches over every partition asked (one shared wait up to max_wait_ms, Kafka's
 * min_bytes, max_bytes and each partition's max bytes), the stored batches sent as they are. The last stable
 * offset is the high watermark (no transactions yet). Fetch sessions are not kept: every answer has session id 0,
 * which tells a client to send full fetches. v13+ name topics by id.
 */
import { OffsetOutOfRangeError } from "../../errors.js";
import { MAX_WAIT_MS } from "../../log/read.js";
import type { BatchesAnswer } from "../../log/service.js";
import { KafkaError, kafkaErrorCode } from "../errors.js";
import { Fetch } from "../protocol/messages/fetch.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler } from "./types.js";

interface TopicAsked {
  topic: string;
  topicId: string;
  partitions: { partition: number; fetchOffset: number; partitionMaxBytes: number }[];
}

export const fetch: Handler = {
  spec: Fetch,
  async handle(ctx, req, header) {
    const byId = header.apiVersion >= 13;
    const maxWaitMs = Math.min(Math.max(0, req.maxWaitMs as number), MAX_WAIT_MS);
    const topics = req.topics as TopicAsked[];
    const names = await Promise.all(
      topics.map((t) => (byId ? ctx.topicIds.name(t.topicId) : Promise.resolve(t.topic))),
    );
    const requests: { topic: string; partition: number; offset: number; maxBytes: number }[] = [];
    topics.forEach((t, i) => {
      const name = names[i];
      if (name === undefined) return;
      for (const p of t.partitions) {
        requests.push({
          topic: name,
          partition: p.partition,
          offset: p.fetchOffset,
          maxBytes: Math.max(1, p.partitionMaxBytes),
        });
      }
    });
    let answers: BatchesAnswer[] = [];
    if (requests.length > 0) {
      answers = await ctx.log.fetchManyBatches(requests, {
        maxBytes: Math.max(1, req.maxBytes as number),
        maxWaitMs,
        minBytes: Math.max(0, req.minBytes as number),
        maxRecordsPerPartition: Number.MAX_SAFE_INTEGER,
      });
    } else if (maxWaitMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, maxWaitMs).unref());
    }
    let next = 0;
    const responses = topics.map((t, i) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p): Struct => {
        if (names[i] === undefined) return partitionError(p.partition, KafkaError.UNKNOWN_TOPIC_ID);
        const a = answers[next++]!;
        if ("error" in a) {
          const answer = partitionError(p.partition, kafkaErrorCode(a.error, "fetch"));
          if (a.error instanceof OffsetOutOfRangeError) {
            const d = a.error.details as { highWatermark: number; logStartOffset: number };
            Object.assign(answer, {
              highWatermark: d.highWatermark,
              lastStableOffset: d.highWatermark,
              logStartOffset: d.logStartOffset,
            });
          }
          return answer;
        }
        return {
          partitionIndex: p.partition,
          errorCode: KafkaError.NONE,
          highWatermark: a.highWatermark,
          lastStableOffset: a.highWatermark,
          logStartOffset: a.logStartOffset,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: a.batches,
        };
      }),
    }));
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, sessionId: 0, responses };
  },
};

const partitionError = (partition: number, errorCode: number): Struct => ({
  partitionIndex: partition,
  errorCode,
  highWatermark: -1,
  lastStableOffset: -1,
  logStartOffset: -1,
  abortedTransactions: null,
  preferredReadReplica: -1,
  records: [],
});
