/**
 * DescribeConfigs: a topic's every config key (its own values as DYNAMIC_TOPIC_CONFIG, the rest at Kafka's
 * defaults as DEFAULT_CONFIG; synonyms when asked), filtered to the keys asked for (unknown keys are left out,
 * as Kafka does). A broker resource (this listener's id, any other listener's, or "" for the cluster default)
 * answers the deployment's fixed settings, read-only. Other resource types are INVALID_REQUEST.
 */
import { AdminError, adminFailure, KafkaRefusal } from "../admin-errors.js";
import { brokerConfigEntries, type ConfigEntry, ResourceType, topicConfigEntries } from "../configs.js";
import { DescribeConfigs } from "../protocol/messages/describe-configs.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler, KafkaContext } from "./types.js";

interface ResourceRequest {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
}

export const describeConfigs: Handler = {
  spec: DescribeConfigs,
  async handle(ctx, req, header) {
    const withSynonyms = header.apiVersion >= 1 && req.includeSynonyms === true;
    const results: Struct[] = [];
    for (const r of req.resources as ResourceRequest[]) {
      try {
        const all = await entriesOf(ctx, r, withSynonyms);
        const keys = r.configurationKeys;
        const configs = keys === null || keys.length === 0 ? all : all.filter((c) => keys.includes(c.name));
        results.push({ errorCode: AdminError.NONE, errorMessage: null, ...resource(r), configs });
      } catch (e) {
        results.push({ ...adminFailure(e, "configs"), ...resource(r), configs: [] });
      }
    }
    return { throttleTimeMs: 0, results };
  },
};

const resource = (r: ResourceRequest) => ({ resourceType: r.resourceType, resourceName: r.resourceName });

async function entriesOf(ctx: KafkaContext, r: ResourceRequest, withSynonyms: boolean): Promise<ConfigEntry[]> {
  if (r.resourceType === ResourceType.TOPIC) {
    const topic = await ctx.log.topics.load(r.resourceName);
    return topicConfigEntries(topic.config, withSynonyms);
  }
  if (r.resourceType === ResourceType.BROKER) {
    const id = brokerIdOf(ctx, r.resourceName);
    return brokerConfigEntries(id, { autoCreatePartitions: ctx.autoCreateTopics?.partitions }, withSynonyms);
  }
  throw new KafkaRefusal(AdminError.INVALID_REQUEST, `resource type ${r.resourceType} is not supported`);
}

/** "" (the cluster-wide default) is this listener; otherwise a broker id. */
export function brokerIdOf(ctx: KafkaContext, name: string): number {
  if (name === "") return ctx.broker().nodeId;
  if (!/^\d+$/.test(name)) {
    throw new KafkaRefusal(AdminError.INVALID_REQUEST, `broker resource name must be a broker id, not "${name}"`);
  }
  return Number(name);
}
