/**
 * Metadata (key 3), from Kafka's MetadataRequest/Response specs. v1 makes a null topic list mean "all topics";
 * v4 adds allowAutoTopicCreation; v9 is flexible; v10 adds topic ids; v12 lets a topic be named by id alone.
 */
import { type ApiSpec, arr, f, range } from "../schema.js";

const NO_OPERATIONS = -2147483648;

export const Metadata: ApiSpec = {
  apiKey: 3,
  name: "Metadata",
  versions: range("0-12"),
  flexible: range("9+"),
  request: [
    arr("topics", "0+", [f("topicId", "uuid", "10+"), f("name", "string", "0+", { nullable: "10+" })], {
      nullable: "1+",
    }),
    f("allowAutoTopicCreation", "bool", "4+", { default: true }),
    f("includeClusterAuthorizedOperations", "bool", "8-10"),
    f("includeTopicAuthorizedOperations", "bool", "8+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "3+"),
    arr("brokers", "0+", [
      f("nodeId", "int32", "0+"),
      f("host", "string", "0+"),
      f("port", "int32", "0+"),
      f("rack", "string", "1+", { nullable: "1+", default: null }),
    ]),
    f("clusterId", "string", "2+", { nullable: "2+", default: null }),
    f("controllerId", "int32", "1+", { default: -1 }),
    arr("topics", "0+", [
      f("errorCode", "int16", "0+"),
      f("name", "string", "0+", { nullable: "12+" }),
      f("topicId", "uuid", "10+"),
      f("isInternal", "bool", "1+"),
      arr("partitions", "0+", [
        f("errorCode", "int16", "0+"),
        f("partitionIndex", "int32", "0+"),
        f("leaderId", "int32", "0+"),
        f("leaderEpoch", "int32", "7+", { default: -1 }),
        f("replicaNodes", "[]int32", "0+"),
        f("isrNodes", "[]int32", "0+"),
        f("offlineReplicas", "[]int32", "5+"),
      ]),
      f("topicAuthorizedOperations", "int32", "8+", { default: NO_OPERATIONS }),
    ]),
    f("clusterAuthorizedOperations", "int32", "8-10", { default: NO_OPERATIONS }),
  ],
};
