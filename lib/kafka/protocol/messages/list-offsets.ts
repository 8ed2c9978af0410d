/**
 * ListOffsets (key 2), from Kafka's specs. v1 answers one offset and its timestamp (v0's list of offsets is not
 * served); v2 adds the isolation level; v4 leader epochs; v6 is flexible; v7 accepts -3 (max timestamp); v8 -4
 * (earliest local, here the earliest).
 */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const ListOffsets: ApiSpec = {
  apiKey: 2,
  name: "ListOffsets",
  versions: range("1-8"),
  flexible: range("6+"),
  request: [
    f("replicaId", "int32", "0+"),
    f("isolationLevel", "int8", "2+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("currentLeaderEpoch", "int32", "4+", { default: -1 }),
        f("timestamp", "int64", "0+"),
        f("maxNumOffsets", "int32", "0", { default: 1 }),
      ]),
    ]),
    f("timeoutMs", "int32", "10+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("oldStyleOffsets", "[]int64", "0"),
        f("timestamp", "int64", "1+", { default: -1 }),
        f("offset", "int64", "1+", { default: -1 }),
        f("leaderEpoch", "int32", "4+", { default: -1 }),
      ]),
    ]),
  ],
};
