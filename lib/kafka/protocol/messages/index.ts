/** Every message table this project has, by API key: the handlers (lib/kafka/handlers) pick which they serve. */
import type { ApiSpec } from "../schema.js";
import { AlterConfigs, IncrementalAlterConfigs } from "./alter-configs.js";
import { ApiVersions } from "./api-versions.js";
import { CreatePartitions } from "./create-partitions.js";
import { CreateTopics } from "./create-topics.js";
import { DeleteRecords } from "./delete-records.js";
import { DeleteTopics } from "./delete-topics.js";
import { DescribeCluster } from "./describe-cluster.js";
import { DescribeConfigs } from "./describe-configs.js";
import { Fetch } from "./fetch.js";
import { InitProducerId } from "./init-producer-id.js";
import { ListOffsets } from "./list-offsets.js";
import { Metadata } from "./metadata.js";
import { OffsetForLeaderEpoch } from "./offset-for-leader-epoch.js";
import { Produce } from "./produce.js";

export {
  AlterConfigs,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  Fetch,
  IncrementalAlterConfigs,
  InitProducerId,
  ListOffsets,
  Metadata,
  OffsetForLeaderEpoch,
  Produce,
};

export const MESSAGES: readonly ApiSpec[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  ApiVersions,
  InitProducerId,
  OffsetForLeaderEpoch,
  CreateTopics,
  DeleteTopics,
  DeleteRecords,
  DescribeConfigs,
  AlterConfigs,
  IncrementalAlterConfigs,
  CreatePartitions,
  DescribeCluster,
];
