/** OffsetForLeaderEpoch (key 23), from Kafka's specs. v1 answers the epoch; v2 adds current epochs; v3 the replica id; v4 is flexible. */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const OffsetForLeaderEpoch: ApiSpec = {
  apiKey: 23,
  name: "OffsetForLeaderEpoch",
  versions: range("0-4"),
  flexible: range("4+"),
  request: [
    f("replicaId", "int32", "3+", { default: -2 }),
    arr("topics", "0+", [
      f("topic", "string", "0+"),
      arr("partitions", "0+", [
        f("partition", "int32", "0+"),
        f("currentLeaderEpoch", "int32", "2+", { default: -1 }),
        f("leaderEpoch", "int32", "0+"),
      ]),
    ]),
  ],
  response: [
    f("throttleTimeMs", "int32", "2+"),
    arr("topics", "0+", [
      f("topic", "string", "0+"),
      arr("partitions", "0+", [
        f("errorCode", "int16", "0+"),
        f("partition", "int32", "0+"),
        f("leaderEpoch", "int32", "1+", { default: -1 }),
        f("endOffset", "int64", "0+", { default: -1 }),
      ]),
    ]),
  ],
};
