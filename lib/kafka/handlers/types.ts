/**
 * What a handler is: the message table it serves, the versions it answers (advertised by ApiVersions), and a
 * function from a decoded request to a response body (undefined: no response, as for a produce with acks=0).
 * Handlers are thin: they translate to and from LogService calls; the rules live in lib/log.
 */
import type { Log } from "../../log/log.js";
import type { recordsAdmin } from "../../maintenance/delete-records.js";
import type { Logger } from "../../util/logger.js";
import type { RequestHeader } from "../protocol/codec.js";
import type { ApiSpec, Range, Struct } from "../protocol/schema.js";
import type { TopicIds } from "../topic-ids.js";

export interface Broker {
  nodeId: number;
  host: string;
  port: number;
}

export interface KafkaContext {
  log: Log;
  /** Kafka's deleteRecords (the admin handlers use it) */
  records: ReturnType<typeof recordsAdmin>;
  logger: Logger;
  /** this listener, as Metadata announces it: the leader of every partition */
  broker(): Broker;
  clusterId: string;
  /** create a topic a Metadata request names when it does not exist (Kafka's auto.create.topics.enable) */
  autoCreateTopics?: { partitions: number };
  topicIds: TopicIds;
  /** every API this listener serves and its versions (ApiVersions answers with it) */
  apis(): { apiKey: number; minVersion: number; maxVersion: number }[];
}

export interface Handler {
  spec: ApiSpec;
  /** what is advertised; default the table's whole range */
  versions?: Range;
  handle(ctx: KafkaContext, request: Struct, header: RequestHeader): Promise<Struct | undefined>;
}

/** Thrown by a handler to end the connection after a request (Kafka does so after a failed acks=0 produce). */
export class CloseConnection extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "CloseConnection";
  }
}
