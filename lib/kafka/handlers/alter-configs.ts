/**
 * AlterConfigs (the legacy, whole-set API): a topic's stored overrides become exactly the keys given (any other
 * reverts to its default), or with validateOnly are only checked. A null value reverts that key. Replication
 * configs are checked and ignored. Broker resources are POLICY_VIOLATION: the deployment's environment sets them.
 */
import { applyConfigUpdate } from "../../log/config.js";
import { AdminError, adminFailure, KafkaRefusal } from "../admin-errors.js";
import { ResourceType, withoutReplicationKeys } from "../configs.js";
import { AlterConfigs } from "../protocol/messages/alter-configs.js";
import type { Struct } from "../protocol/schema.js";
import { brokerIdOf } from "./describe-configs.js";
import type { Handler, KafkaContext } from "./types.js";

interface ResourceRequest {
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null }[];
}

export const alterConfigs: Handler = {
  spec: AlterConfigs,
  async handle(ctx, req) {
    const responses: Struct[] = [];
    for (const r of req.resources as ResourceRequest[]) {
      responses.push(
        await answerFor(
          ctx,
          r,
          async (current) => {
            const given: Record<string, string | null> = {};
            for (const c of r.configs) {
              if (Object.hasOwn(given, c.name)) throw duplicate(c.name);
              given[c.name] = c.value;
            }
            const update = withoutReplicationKeys(given);
            for (const key of Object.keys(current)) if (!Object.hasOwn(update, key)) update[key] = null;
            return update;
          },
          req.validateOnly === true,
        ),
      );
    }
    return { throttleTimeMs: 0, responses };
  },
};

export const duplicate = (key: string) =>
  new KafkaRefusal(AdminError.INVALID_REQUEST, `config "${key}" is given more than once`);

/**
 * One resource of an alter request: a topic's update is computed from its stored overrides by `plan`, checked,
 * and written unless validateOnly; the answer carries the resource and the Kafka error, if any.
 */
export async function answerFor(
  ctx: KafkaContext,
  r: { resourceType: number; resourceName: string },
  plan: (current: Record<string, string>) => Record<string, string | null> | Promise<Record<string, string | null>>,
  validateOnly: boolean,
): Promise<Struct> {
  const where = { resourceType: r.resourceType, resourceName: r.resourceName };
  try {
    if (r.resourceType === ResourceType.BROKER) {
      brokerIdOf(ctx, r.resourceName);
      throw new KafkaRefusal(
        AdminError.POLICY_VIOLATION,
        "broker settings are fixed by the deployment's environment (see docs/KAFKA.md); alter topics instead",
      );
    }
    if (r.resourceType !== ResourceType.TOPIC) {
      throw new KafkaRefusal(AdminError.INVALID_REQUEST, `resource type ${r.resourceType} is not supported`);
    }
    const topic = await ctx.log.topics.load(r.resourceName);
    const update = await plan(topic.config);
    applyConfigUpdate(topic.config, update); // checks every key and value; throws INVALID_CONFIG-bound errors
    if (!validateOnly) await ctx.log.updateTopic(r.resourceName, { config: update });
    return { errorCode: AdminError.NONE, errorMessage: null, ...where };
  } catch (e) {
    return { ...adminFailure(e, "configs"), ...where };
  }
}
