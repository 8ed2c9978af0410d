/**
 * CreateTopics (key 19), from Kafka's specs. v1 adds validateOnly and error messages; v2 throttle time; v5 is
 * flexible and answers the created topic's partitions, replication and configs; v7 its topic id.
 */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const CreateTopics: ApiSpec = {
  apiKey: 19,
  name: "CreateTopics",
  versions: range("0-7"),
  flexible: range("5+"),
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("numPartitions", "int32", "0+"),
      f("replicationFactor", "int16", "0+"),
      arr("assignments", "0+", [f("partitionIndex", "int32", "0+"), f("brokerIds", "[]int32", "0+")]),
      arr("configs", "0+", [f("name", "string", "0+"), f("value", "string", "0+", { nullable: "0+" })]),
    ]),
    f("timeoutMs", "int32", "0+"),
    f("validateOnly", "bool", "1+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("topicId", "uuid", "7+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "1+", { nullable: "0+", default: null }),
      f("topicConfigErrorCode", "int16", "5+", { tag: 0, tagged: "5+" }),
      f("numPartitions", "int32", "5+", { default: -1 }),
      f("replicationFactor", "int16", "5+", { default: -1 }),
      arr(
        "configs",
        "5+",
        [
          f("name", "string", "5+"),
          f("value", "string", "5+", { nullable: "5+" }),
          f("readOnly", "bool", "5+"),
          f("configSource", "int8", "5+", { default: -1 }),
          f("isSensitive", "bool", "5+"),
        ],
        { nullable: "5+" },
      ),
    ]),
  ],
};
