/** DescribeCluster (key 60), from Kafka's specs. Flexible from v0; v1 adds the endpoint type (1 brokers, 2 controllers). */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const DescribeCluster: ApiSpec = {
  apiKey: 60,
  name: "DescribeCluster",
  versions: range("0-1"),
  flexible: range("0+"),
  request: [f("includeClusterAuthorizedOperations", "bool", "0+"), f("endpointType", "int8", "1+", { default: 1 })],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    f("endpointType", "int8", "1+", { default: 1 }),
    f("clusterId", "string", "0+"),
    f("controllerId", "int32", "0+", { default: -1 }),
    arr("brokers", "0+", [
      f("brokerId", "int32", "0+"),
      f("host", "string", "0+"),
      f("port", "int32", "0+"),
      f("rack", "string", "0+", { nullable: "0+", default: null }),
    ]),
    f("clusterAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
  ],
};
