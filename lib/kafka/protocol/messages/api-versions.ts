/** ApiVersions (key 18), from Kafka's ApiVersionsRequest/Response specs. v0-2 share one shape; v3 is flexible; v4 = v3. */
import { type ApiSpec, arr, f, range } from "../schema.js";

export const ApiVersions: ApiSpec = {
  apiKey: 18,
  name: "ApiVersions",
  versions: range("0-4"),
  flexible: range("3+"),
  request: [f("clientSoftwareName", "string", "3+"), f("clientSoftwareVersion", "string", "3+")],
  response: [
    f("errorCode", "int16", "0+"),
    arr("apiKeys", "0+", [f("apiKey", "int16", "0+"), f("minVersion", "int16", "0+"), f("maxVersion", "int16", "0+")]),
    f("throttleTimeMs", "int32", "1+"),
    arr(
      "supportedFeatures",
      "3+",
      [f("name", "string", "3+"), f("minVersion", "int16", "3+"), f("maxVersion", "int16", "3+")],
      { tag: 0, tagged: "3+" },
    ),
    f("finalizedFeaturesEpoch", "int64", "3+", { tag: 1, tagged: "3+", default: -1 }),
    arr(
      "finalizedFeatures",
      "3+",
      [f("name", "string", "3+"), f("maxVersionLevel", "int16", "3+"), f("minVersionLevel", "int16", "3+")],
      { tag: 2, tagged: "3+" },
    ),
    f("zkMigrationReady", "bool", "3+", { tag: 3, tagged: "3+" }),
  ],
};
