/** DeleteTopics (key 20), from Kafka's specs. v4 is flexible; v5 adds error messages; v6 names topics by name or id. */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const DeleteTopics: ApiSpec = {
  apiKey: 20,
  name: "DeleteTopics",
  versions: range("0-6"),
  flexible: range("4+"),
  request: [
    arr("topics", "6+", [f("name", "string", "6+", { nullable: "6+", default: null }), f("topicId", "uuid", "6+")]),
    f("topicNames", "[]string", "0-5"),
    f("timeoutMs", "int32", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "1+"),
    arr("responses", "0+", [
      f("name", "string", "0+", { nullable: "6+" }),
      f("topicId", "uuid", "6+"),
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "5+", { nullable: "5+", default: null }),
    ]),
  ],
};
