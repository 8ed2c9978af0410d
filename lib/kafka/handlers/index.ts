/**
 * The registry: API key -> handler. Only what is here is advertised and served; anything else gets Kafka's
 * UNSUPPORTED_VERSION behaviour (see connection.ts). The admin APIs (CreateTopics to DescribeCluster)
 * are the second half of the list.
 */
import { alterConfigs } from "./alter-configs.js";
import { apiVersions } from "./api-versions.js";
import { createPartitions } from "./create-partitions.js";
import { createTopics } from "./create-topics.js";
import { deleteRecords } from "./delete-records.js";
import { deleteTopics } from "./delete-topics.js";
import { describeCluster } from "./describe-cluster.js";
import { describeConfigs } from "./describe-configs.js";
import { fetch } from "./fetch.js";
import { incrementalAlterConfigs } from "./incremental-alter-configs.js";
import { initProducerId } from "./init-producer-id.js";
import { listOffsets } from "./list-offsets.js";
import { metadata } from "./metadata.js";
import { offsetForLeaderEpoch } from "./offset-for-leader-epoch.js";
import { produce } from "./produce.js";
import type { Handler } from "./types.js";

const HANDLERS: Handler[] = [
  apiVersions,
  metadata,
  produce,
  fetch,
  listOffsets,
  initProducerId,
  offsetForLeaderEpoch,
  createTopics,
  deleteTopics,
  createPartitions,
  describeConfigs,
  alterConfigs,
  incrementalAlterConfigs,
  deleteRecords,
  describeCluster,
];

export type Registry = ReadonlyMap<number, Handler>;

export function registry(handlers: Handler[] = HANDLERS): Registry {
  return new Map(handlers.map((h) => [h.spec.apiKey, h]));
}

/** The advertised list: each API's versions (the handler's own range, else its table's). */
export function advertised(reg: Registry): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...reg.values()]
    .map((h) => {
      const [minVersion, maxVersion] = h.versions ?? h.spec.versions;
      return { apiKey: h.spec.apiKey, minVersion, maxVersion };
    })
    .sort((a, b) => a.apiKey - b.apiKey);
}
