/** AlterConfigs (key 33) and IncrementalAlterConfigs (key 44), from Kafka's specs; flexible from v2 and v1. */
import { type ApiSpec, arr, f, range } from "../schema.js";

const responses = [
  f("throttleTimeMs", "int32", "0+"),
  arr("responses", "0+", [
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
  ]),
];

export const AlterConfigs: ApiSpec = {
  apiKey: 33,
  name: "AlterConfigs",
  versions: range("0-2"),
  flexible: range("2+"),
  request: [
    arr("resources", "0+", [
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      arr("configs", "0+", [f("name", "string", "0+"), f("value", "string", "0+", { nullable: "0+" })]),
    ]),
    f("validateOnly", "bool", "0+"),
  ],
  response: responses,
};

/** configOperation: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT */
export const IncrementalAlterConfigs: ApiSpec = {
  apiKey: 44,
  name: "IncrementalAlterConfigs",
  versions: range("0-1"),
  flexible: range("1+"),
  request: [
    arr("resources", "0+", [
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      arr("configs", "0+", [
        f("name", "string", "0+"),
        f("configOperation", "int8", "0+"),
        f("value", "string", "0+", { nullable: "0+" }),
      ]),
    ]),
    f("validateOnly", "bool", "0+"),
  ],
  response: responses,
};
