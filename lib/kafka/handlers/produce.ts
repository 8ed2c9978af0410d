/**
 * Produce: each topic's partitions go to LogService.produceBatches as the batches the client wrote (one object
 * per topic, one commit per partition); the answer comes after the durable commit whatever the acks, and acks=0
 * gets no answer (a failure then closes the connection, as Kafka does, so the client refreshes and retries).
 * Errors are per partition: when the domain refuses one partition's batches it names them (`batches[k]`), that
 * partition gets the error and the rest are produced without it.
 */
import { isStrataError, type Location } from "../../errors.js";
import { KafkaError, kafkaErrorCode, kafkaErrorMessage } from "../errors.js";
import { Produce } from "../protocol/messages/produce.js";
import type { Struct } from "../protocol/schema.js";
import { CloseConnection, type Handler, type KafkaContext } from "./types.js";

interface PartitionData {
  index: number;
  records: Uint8Array | null;
}

type PartitionAnswer = {
  index: number;
  errorCode: number;
  baseOffset: number;
  errorMessage: string | null;
};

export const produce: Handler = {
  spec: Produce,
  async handle(ctx, req) {
    const acks = req.acks as number;
    const topics = req.topicData as { name: string; partitionData: PartitionData[] }[];
    const responses = await Promise.all(
      topics.map(async (t) => ({
        name: t.name,
        partitionResponses:
          acks === 0 || acks === 1 || acks === -1
            ? await produceTopic(ctx, t.name, t.partitionData)
            : t.partitionData.map((p) => failed(p.index, KafkaError.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1")),
      })),
    );
    if (acks === 0) {
      const errors = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== KafkaError.NONE));
      if (errors.length > 0) throw new CloseConnection(`acks=0 produce failed: ${errors[0]!.errorMessage}`);
      return undefined;
    }
    return { responses, throttleTimeMs: 0 };
  },
};

const failed = (index: number, errorCode: number, errorMessage: string | null): PartitionAnswer => ({
  index,
  errorCode,
  baseOffset: -1,
  errorMessage,
});

async function produceTopic(ctx: KafkaContext, topic: string, partitions: PartitionData[]): Promise<Struct[]> {
  const answers = new Map<number, PartitionAnswer>();
  const answerOf = (p: PartitionData, i: number) =>
    answers.get(i) ?? failed(p.index, KafkaError.UNKNOWN_SERVER_ERROR, null);
  let pending = partitions
    .map((p, i) => ({ ...p, i }))
    .filter((p) => {
      if (p.records !== null && p.records.length > 0) return true;
      answers.set(p.i, failed(p.index, KafkaError.INVALID_RECORD, "no records"));
      return false;
    });
  while (pending.length > 0) {
    try {
      const result = await ctx.log.produceBatches(
        topic,
        pending.map((p) => ({ partition: p.index, bytes: p.records! })),
      );
      result.results.forEach((r, k) => {
        const p = pending[k]!;
        if ("error" in r)
          answers.set(p.i, failed(p.index, kafkaErrorCode(r.error, "produce"), kafkaErrorMessage(r.error)));
        else answers.set(p.i, { index: p.index, errorCode: KafkaError.NONE, baseOffset: r.offset, errorMessage: null });
      });
      break;
    } catch (e) {
      if (!isStrataError(e)) throw e;
      const k = culprit(e.details, pending);
      const code = kafkaErrorCode(e, "produce");
      if (k === undefined) {
        for (const p of pending) answers.set(p.i, failed(p.index, code, kafkaErrorMessage(e)));
        break;
      }
      const p = pending[k]!;
      answers.set(p.i, failed(p.index, code, kafkaErrorMessage(e)));
      pending = pending.filter((_, j) => j !== k);
    }
  }
  return partitions.map(answerOf);
}

/** Which input a domain error locates (`details.at.input`), or the partition a PARTITION_NOT_FOUND names. */
function culprit(details: Record<string, unknown>, pending: { index: number }[]): number | undefined {
  const at = details.at as Location | undefined;
  if (typeof at?.input === "number") return at.input < pending.length ? at.input : undefined;
  if (typeof details.partition === "number") {
    const k = pending.findIndex((p) => p.index === details.partition);
    return k >= 0 ? k : undefined;
  }
  return undefined;
}
