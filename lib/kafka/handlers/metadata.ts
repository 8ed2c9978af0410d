/**
 * Metadata: this listener is the one broker and the leader (epoch 0) of every partition; topics by name or by
 * id (v12), all topics when the list is null (empty in v0). A missing topic is UNKNOWN_TOPIC_OR_PARTITION unless
 * the listener is configured to create topics and the request allows it.
 */
import { isStrataError } from "../../errors.js";
import { KafkaError, kafkaErrorCode } from "../errors.js";
import { Metadata } from "../protocol/messages/metadata.js";
import { ZERO_UUID } from "../protocol/primitives.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler, KafkaContext } from "./types.js";

export const metadata: Handler = {
  spec: Metadata,
  async handle(ctx, req, header) {
    const broker = ctx.broker();
    const asked = req.topics as { name: string | null; topicId: string }[] | null;
    const all = asked === null || (header.apiVersion === 0 && asked.length === 0);
    const wanted: { name: string | null; topicId: string }[] = all
      ? (await ctx.log.listTopics()).map((name) => ({ name, topicId: ZERO_UUID }))
      : asked;
    const autoCreate = req.allowAutoTopicCreation === true && !all;
    const topics = await Promise.all(wanted.map((t) => describeTopic(ctx, t, autoCreate, broker.nodeId)));
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: null }],
      clusterId: ctx.clusterId,
      controllerId: broker.nodeId,
      topics: all ? topics.filter((t) => t.errorCode === KafkaError.NONE) : topics,
    };
  },
};

async function describeTopic(
  ctx: KafkaContext,
  asked: { name: string | null; topicId: string },
  autoCreate: boolean,
  nodeId: number,
): Promise<Struct> {
  let name = asked.name;
  if (name === null) {
    name = (await ctx.topicIds.name(asked.topicId)) ?? null;
    if (name === null) {
      return { errorCode: KafkaError.UNKNOWN_TOPIC_ID, name: null, topicId: asked.topicId, partitions: [] };
    }
  }
  try {
    const meta = await ctx.log.topicMetadata(name).catch(async (e) => {
      if (!(autoCreate && ctx.autoCreateTopics && isStrataError(e) && e.code === "TOPIC_NOT_FOUND")) throw e;
      await ctx.log.createTopic(name!, ctx.autoCreateTopics.partitions).catch((c) => {
        if (!(isStrataError(c) && c.code === "TOPIC_EXISTS")) throw c;
      });
      return ctx.log.topicMetadata(name!);
    });
    ctx.topicIds.remember(meta.name, meta.id);
    return {
      errorCode: KafkaError.NONE,
      name: meta.name,
      topicId: meta.id,
      isInternal: false,
      partitions: Array.from({ length: meta.partitions }, (_, i) => ({
        errorCode: KafkaError.NONE,
        partitionIndex: i,
        leaderId: nodeId,
        leaderEpoch: 0,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        offlineReplicas: [],
      })),
    };
  } catch (e) {
    return { errorCode: kafkaErrorCode(e, "topics"), name, topicId: ZERO_UUID, partitions: [] };
  }
}
