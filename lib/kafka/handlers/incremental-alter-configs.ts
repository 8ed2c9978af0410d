/**
 * IncrementalAlterConfigs: per key SET (0), DELETE (1: back to the default), APPEND (2) and SUBTRACT (3), the
 * last two for list keys only (cleanup.policy), as Kafka defines them; a key named twice is INVALID_REQUEST, a
 * bad value INVALID_CONFIG. validateOnly checks without writing. Brokers: as AlterConfigs (POLICY_VIOLATION).
 */
import { CONFIG_KEYS } from "../../log/config.js";
import { AdminError, KafkaRefusal } from "../admin-errors.js";
import { isListKey, withoutReplicationKeys } from "../configs.js";
import { IncrementalAlterConfigs } from "../protocol/messages/alter-configs.js";
import type { Struct } from "../protocol/schema.js";
import { answerFor, duplicate } from "./alter-configs.js";
import type { Handler } from "./types.js";

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

interface ResourceRequest {
  resourceType: number;
  resourceName: string;
  configs: { name: string; configOperation: number; value: string | null }[];
}

export const incrementalAlterConfigs: Handler = {
  spec: IncrementalAlterConfigs,
  async handle(ctx, req) {
    const responses: Struct[] = [];
    for (const r of req.resources as ResourceRequest[]) {
      responses.push(await answerFor(ctx, r, (current) => plan(r, current), req.validateOnly === true));
    }
    return { throttleTimeMs: 0, responses };
  },
};

function plan(r: ResourceRequest, current: Record<string, string>): Record<string, string | null> {
  const update: Record<string, string | null> = {};
  for (const c of r.configs) {
    if (Object.hasOwn(update, c.name)) throw duplicate(c.name);
    switch (c.configOperation) {
      case SET:
        update[c.name] = c.value;
        break;
      case DELETE:
        update[c.name] = null;
        break;
      case APPEND:
      case SUBTRACT: {
        if (!isListKey(c.name)) {
          throw new KafkaRefusal(
            AdminError.INVALID_CONFIG,
            `${c.name} is not a list: APPEND and SUBTRACT do not apply`,
          );
        }
        const now = (current[c.name] ?? CONFIG_KEYS[c.name]!.default).split(",").filter(Boolean);
        const given = (c.value ?? "")
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean);
        const next =
          c.configOperation === APPEND
            ? [...now, ...given.filter((v) => !now.includes(v))]
            : now.filter((v) => !given.includes(v));
        update[c.name] = next.join(",");
        break;
      }
      default:
        throw new KafkaRefusal(AdminError.INVALID_REQUEST, `unknown config operation ${c.configOperation}`);
    }
  }
  return withoutReplicationKeys(update);
}
