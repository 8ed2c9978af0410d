/**
 * DescribeConfigs (key 32), from Kafka's specs. v1 adds synonyms and the config source (replacing isDefault);
 * v3 config types and documentation; v4 is flexible. Resource type 2 is a topic, 4 a broker.
 */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const DescribeConfigs: ApiSpec = {
  apiKey: 32,
  name: "DescribeConfigs",
  versions: range("0-4"),
  flexible: range("4+"),
  request: [
    arr("resources", "0+", [
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      f("configurationKeys", "[]string", "0+", { nullable: "0+", default: null }),
    ]),
    f("includeSynonyms", "bool", "1+"),
    f("includeDocumentation", "bool", "3+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("results", "0+", [
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      f("resourceType", "int8", "0+"),
      f("resourceName", "string", "0+"),
      arr("configs", "0+", [
        f("name", "string", "0+"),
        f("value", "string", "0+", { nullable: "0+" }),
        f("readOnly", "bool", "0+"),
        f("isDefault", "bool", "0"),
        f("configSource", "int8", "1+", { default: -1 }),
        f("isSensitive", "bool", "0+"),
        arr("synonyms", "1+", [
          f("name", "string", "1+"),
          f("value", "string", "1+", { nullable: "1+" }),
          f("source", "int8", "1+"),
        ]),
        f("configType", "int8", "3+"),
        f("documentation", "string", "3+", { nullable: "0+", default: null }),
      ]),
    ]),
  ],
};
