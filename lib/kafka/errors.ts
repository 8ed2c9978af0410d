/**
 * The one mapping from Strata's errors to Kafka's error codes (the HTTP edge's counterpart is its status table).
 * `where` says which kind of request failed, for the codes Kafka distinguishes by context (a bad argument is an
 * invalid record in a produce, an invalid config in an admin request, and so on).
 */
import { isStrataError, type Location } from "../errors.js";

/** Kafka's error codes this listener answers with (clients/src/main/java/org/apache/kafka/common/protocol/Errors.java). */
export const KafkaError = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  INVALID_REQUIRED_ACKS: 21,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  POLICY_VIOLATION: 44,
  INVALID_RECORD: 87,
  UNKNOWN_TOPIC_ID: 100,
} as const;

export type RequestKind = "produce" | "fetch" | "offsets" | "topics" | "configs" | "records";

export function kafkaErrorCode(e: unknown, where: RequestKind): number {
  if (!isStrataError(e)) return KafkaError.UNKNOWN_SERVER_ERROR;
  switch (e.code) {
    case "TOPIC_NOT_FOUND":
    case "PARTITION_NOT_FOUND":
      return KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
    case "TOPIC_EXISTS":
      return KafkaError.TOPIC_ALREADY_EXISTS;
    case "OFFSET_OUT_OF_RANGE":
      return KafkaError.OFFSET_OUT_OF_RANGE;
    case "RECORD_TOO_LARGE":
      return KafkaError.MESSAGE_TOO_LARGE;
    case "REQUEST_TOO_LARGE":
      return KafkaError.RECORD_LIST_TOO_LARGE;
    case "DUPLICATE_SEQUENCE":
      return KafkaError.DUPLICATE_SEQUENCE_NUMBER;
    case "OUT_OF_ORDER_SEQUENCE":
      return KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER;
    case "PRODUCER_FENCED":
      return KafkaError.INVALID_PRODUCER_EPOCH;
    case "UNKNOWN_PRODUCER":
      return KafkaError.UNKNOWN_PRODUCER_ID;
    case "CORRUPT_DATA":
      return KafkaError.CORRUPT_MESSAGE;
    case "COMMIT_DEADLINE_EXCEEDED":
      return KafkaError.REQUEST_TIMED_OUT;
    case "THROTTLED":
    case "UNAVAILABLE":
    case "CONCURRENT_MODIFICATION":
    case "CONDITION_FAILED":
    case "INSUFFICIENT_STORAGE":
      // retriable on the client's side: it refreshes metadata and tries again
      return KafkaError.KAFKA_STORAGE_ERROR;
    case "INVALID_ARGUMENT":
      return invalidArgument(String(e.details.field ?? ""), e.details.at as Location | undefined, e.message, where);
    default:
      return KafkaError.UNKNOWN_SERVER_ERROR;
  }
}

function invalidArgument(field: string, at: Location | undefined, message: string, where: RequestKind): number {
  switch (where) {
    case "produce":
      if (at?.member === "timestamp" || at?.member === "maxTimestamp") return KafkaError.INVALID_TIMESTAMP;
      if (/CRC|not RecordBatch v2|decompress|truncated/i.test(message)) return KafkaError.CORRUPT_MESSAGE;
      return KafkaError.INVALID_RECORD;
    case "topics":
      if (field === "name") return KafkaError.INVALID_TOPIC_EXCEPTION;
      if (field === "partitions") return KafkaError.INVALID_PARTITIONS;
      if (field.startsWith("config")) return KafkaError.INVALID_CONFIG;
      return KafkaError.INVALID_REQUEST;
    case "configs":
      return KafkaError.INVALID_CONFIG;
    case "offsets":
    case "records":
      return KafkaError.OFFSET_OUT_OF_RANGE;
    default:
      return KafkaError.INVALID_REQUEST;
  }
}

/** A short message for the error-message fields some responses carry (never a stack). */
export const kafkaErrorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
