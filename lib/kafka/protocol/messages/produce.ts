/**
 * Produce (key 0), from Kafka's ProduceRequest/Response specs. Only v3+ (RecordBatch v2, the only format Strata
 * stores); v8 adds per-record errors; v9 is flexible; v10 adds the tagged leader hints (v11 is v10 on the wire).
 */
import { type ApiSpec, arr, f, range, struct } from "../schema.js";

export const Produce: ApiSpec = {
  apiKey: 0,
  name: "Produce",
  versions: range("3-11"),
  flexible: range("9+"),
  request: [
    f("transactionalId", "string", "3+", { nullable: "0+", default: null }),
    f("acks", "int16", "0+"),
    f("timeoutMs", "int32", "0+"),
    arr("topicData", "0+", [
      f("name", "string", "0+"),
      arr("partitionData", "0+", [f("index", "int32", "0+"), f("records", "records", "0+", { nullable: "0+" })]),
    ]),
  ],
  response: [
    arr("responses", "0+", [
      f("name", "string", "0+"),
      arr("partitionResponses", "0+", [
        f("index", "int32", "0+"),
        f("errorCode", "int16", "0+"),
        f("baseOffset", "int64", "0+"),
        f("logAppendTimeMs", "int64", "2+", { default: -1 }),
        f("logStartOffset", "int64", "5+", { default: -1 }),
        arr("recordErrors", "8+", [
          f("batchIndex", "int32", "8+"),
          f("batchIndexErrorMessage", "string", "8+", { nullable: "8+", default: null }),
        ]),
        f("errorMessage", "string", "8+", { nullable: "8+", default: null }),
        struct(
          "currentLeader",
          "10+",
          [f("leaderId", "int32", "10+", { default: -1 }), f("leaderEpoch", "int32", "10+", { default: -1 })],
          { tag: 0, tagged: "10+" },
        ),
      ]),
    ]),
    f("throttleTimeMs", "int32", "1+"),
    arr(
      "nodeEndpoints",
      "10+",
      [
        f("nodeId", "int32", "10+"),
        f("host", "string", "10+"),
        f("port", "int32", "10+"),
        f("rack", "string", "10+", { nullable: "10+", default: null }),
      ],
      { tag: 0, tagged: "10+" },
    ),
  ],
};
