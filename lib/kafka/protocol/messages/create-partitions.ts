/** CreatePartitions (key 37), from Kafka's specs. v2 is flexible; v3 = v2. */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const CreatePartitions: ApiSpec = {
  apiKey: 37,
  name: "CreatePartitions",
  versions: range("0-3"),
  flexible: range("2+"),
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      f("count", "int32", "0+"),
      arr("assignments", "0+", [f("brokerIds", "[]int32", "0+")], { nullable: "0+", default: null }),
    ]),
    f("timeoutMs", "int32", "0+"),
    f("validateOnly", "bool", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("results", "0+", [
      f("name", "string", "0+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    ]),
  ],
};
