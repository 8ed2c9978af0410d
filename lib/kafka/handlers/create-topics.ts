/**
 * CreateTopics: each topic is created (or, with validateOnly, only checked) on its own; one failing does not stop
 * the others. numPartitions -1 takes the default (the auto-creation count when configured, else Kafka's 1).
 * The replication factor is accepted and ignored (-1 or at least 1; every partition is one durable copy in the
 * object store), as are the broker ids of manual assignments, which must still number the partitions 0..n-1.
 * Unknown config keys are INVALID_CONFIG; replication configs are accepted and ignored (lib/kafka/configs.ts).
 */
import { MAX_PARTITIONS } from "../../contract.js";
import { InvalidArgumentError, isStrataError } from "../../errors.js";
import { normalizeOverrides } from "../../log/config.js";
import { validateTopicName } from "../../log/topics.js";
import type { TopicConfig } from "../../log/types.js";
import { AdminError, adminFailure, KafkaRefusal } from "../admin-errors.js";
import { topicConfigEntries, withoutReplicationKeys } from "../configs.js";
import { CreateTopics } from "../protocol/messages/create-topics.js";
import { ZERO_UUID } from "../protocol/primitives.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler, KafkaContext } from "./types.js";

interface TopicRequest {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export const createTopics: Handler = {
  spec: CreateTopics,
  async handle(ctx, req) {
    const topics = req.topics as TopicRequest[];
    const validateOnly = req.validateOnly === true;
    const seen = new Map<string, number>();
    for (const t of topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results = [];
    // One at a time, in request order: creations are few and this keeps the ledger's writes small.
    for (const t of topics) {
      if ((seen.get(t.name) ?? 0) > 1) {
        results.push(failed(t.name, AdminError.INVALID_REQUEST, `topic "${t.name}" is listed more than once`));
        continue;
      }
      results.push(await createOne(ctx, t, validateOnly));
    }
    return { throttleTimeMs: 0, topics: results };
  },
};

const failed = (name: string, errorCode: number, errorMessage: string): Struct => ({
  name,
  topicId: ZERO_UUID,
  errorCode,
  errorMessage,
  numPartitions: -1,
  replicationFactor: -1,
  configs: null,
});

async function createOne(ctx: KafkaContext, t: TopicRequest, validateOnly: boolean): Promise<Struct> {
  try {
    validateTopicName(t.name);
    const partitions = partitionCount(ctx, t);
    if (t.replicationFactor === 0 || t.replicationFactor < -1) {
      throw new KafkaRefusal(AdminError.INVALID_REPLICATION_FACTOR, "replication factor must be -1 or at least 1");
    }
    const config = requestedConfig(t.configs);
    let overrides: TopicConfig;
    let topicId = ZERO_UUID;
    if (validateOnly) {
      overrides = normalizeOverrides(config);
      const exists = await ctx.log.topicMetadata(t.name).then(
        () => true,
        (e) => {
          if (isStrataError(e) && e.code === "TOPIC_NOT_FOUND") return false;
          throw e;
        },
      );
      if (exists) throw new KafkaRefusal(AdminError.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
    } else {
      const created = await ctx.log.createTopic(t.name, partitions, config);
      topicId = created.id;
      ctx.topicIds.remember(created.name, created.id);
      overrides = (await ctx.log.topics.load(t.name)).config;
    }
    return {
      name: t.name,
      topicId,
      errorCode: AdminError.NONE,
      errorMessage: null,
      numPartitions: partitions,
      replicationFactor: 1,
      configs: topicConfigEntries(overrides, false),
    };
  } catch (e) {
    const { errorCode, errorMessage } = adminFailure(e, "topics");
    return failed(t.name, errorCode, errorMessage);
  }
}

function partitionCount(ctx: KafkaContext, t: TopicRequest): number {
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaRefusal(
        AdminError.INVALID_REQUEST,
        "numPartitions and replicationFactor must be -1 when replica assignments are given",
      );
    }
    const indexes = new Set(t.assignments.map((a) => a.partitionIndex));
    const n = t.assignments.length;
    if (indexes.size !== n || [...indexes].some((i) => i < 0 || i >= n)) {
      throw new KafkaRefusal(
        AdminError.INVALID_REPLICA_ASSIGNMENT,
        `replica assignments must number the partitions 0 to ${n - 1}, each once`,
      );
    }
    if (t.assignments.some((a) => a.brokerIds.length === 0)) {
      throw new KafkaRefusal(AdminError.INVALID_REPLICA_ASSIGNMENT, "every assignment needs at least one broker id");
    }
    return check(n);
  }
  if (t.numPartitions === -1) return ctx.autoCreateTopics?.partitions ?? 1;
  return check(t.numPartitions);
}

function check(n: number): number {
  if (n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidArgumentError("partitions", `partitions must be an integer from 1 to ${MAX_PARTITIONS}`);
  }
  return n;
}

/** The request's configs as a record; a null value means "not set", as Kafka's own broker reads it. */
function requestedConfig(configs: { name: string; value: string | null }[]): Record<string, string> {
  const out: Record<string, string | null> = {};
  for (const c of configs) {
    if (Object.hasOwn(out, c.name)) {
      throw new InvalidArgumentError(`config.${c.name}`, `config "${c.name}" is given more than once`);
    }
    out[c.name] = c.value;
  }
  const kept = withoutReplicationKeys(out);
  return Object.fromEntries(Object.entries(kept).filter((e): e is [string, string] => e[1] !== null));
}
