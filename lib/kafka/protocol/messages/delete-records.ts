/** DeleteRecords (key 21), from Kafka's specs. v2 is flexible. An offset of -1 means the high watermark. */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const DeleteRecords: ApiSpec = {
  apiKey: 21,
  name: "DeleteRecords",
  versions: range("0-2"),
  flexible: range("2+"),
  request: [
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [f("partitionIndex", "int32", "0+"), f("offset", "int64", "0+")]),
    ]),
    f("timeoutMs", "int32", "0+"),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    arr("topics", "0+", [
      f("name", "string", "0+"),
      arr("partitions", "0+", [
        f("partitionIndex", "int32", "0+"),
        f("lowWatermark", "int64", "0+"),
        f("errorCode", "int16", "0+"),
      ]),
    ]),
  ],
};
