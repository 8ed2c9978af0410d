/** InitProducerId (key 22), from Kafka's specs. v2 is flexible; v3 lets a producer name its id and epoch (KIP-360). */
import { type ApiSpec, f, range } from "../schema.js";

export const InitProducerId: ApiSpec = {
  apiKey: 22,
  name: "InitProducerId",
  versions: range("0-4"),
  flexible: range("2+"),
  request: [
    f("transactionalId", "string", "0+", { nullable: "0+" }),
    f("transactionTimeoutMs", "int32", "0+"),
    f("producerId", "int64", "3+", { default: -1 }),
    f("producerEpoch", "int16", "3+", { default: -1 }),
  ],
  response: [
    f("throttleTimeMs", "int32", "0+"),
    f("errorCode", "int16", "0+"),
    f("producerId", "int64", "0+", { default: -1 }),
    f("producerEpoch", "int16", "0+"),
  ],
};
