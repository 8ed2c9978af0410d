/**
 * @strata/client: the producer, consumer and admin for Strata's HTTP API.
 *
 * @example
 * import { Strata } from "@strata/client";
 * const strata = new Strata({ url: "http://127.0.0.1:8080" });
 * const producer = strata.producer();
 * await producer.send("orders", [{ key: "alice", value: "hello" }]);
 * await producer.close();
 */
import { Admin } from "./admin.js";
import { Consumer, type ConsumerOptions } from "./consumer.js";
import { type ConnectionOptions, HttpClient } from "./http.js";
import type { ClientEvents } from "./instrumentation.js";
import { Producer, type ProducerOptions } from "./producer.js";

export class Strata {
  readonly http: HttpClient;
  constructor(options: ConnectionOptions = {}) {
    this.http = new HttpClient(options);
  }
  producer(options?: ProducerOptions): Producer {
    return new Producer(this.http, options);
  }
  consumer(options?: ConsumerOptions): Consumer {
    return new Consumer(this.http, options);
  }
  admin(): Admin {
    return new Admin(this.http);
  }
  /**
   * Instrumentation events of every producer, consumer and admin of this client: "request", "retry", "rebalance".
   * Returns the function that stops listening.
   * @example strata.on("retry", (e) => console.warn(e.operation, e.attempt, e.error.code));
   */
  on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void {
    return this.http.events.on(event, listener);
  }
}

export type * from "./admin.js";
export { Admin } from "./admin.js";
export type { Auth, AwsCredentials } from "./auth.js";
export { murmur2, partitionForKey } from "./codec.js";
export type * from "./consumer.js";
export { Consumer, ownershipWindowMs } from "./consumer.js";
export type { ConsumedMessage } from "./consumer-iterator.js";
export * from "./errors.js";
export type { ConnectionOptions, RequestOptions } from "./http.js";
export { BATCHES_MEDIA_TYPE, HttpClient } from "./http.js";
export type * from "./instrumentation.js";
export { Instrumentation } from "./instrumentation.js";
export type * from "./producer.js";
export { Producer } from "./producer.js";
export type * from "./records.js";
export type { RetryOptions } from "./retry.js";
