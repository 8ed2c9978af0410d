/**
 * Kafka's own defaults for the topic keys Strata implements (Kafka 4.0's documentation), shown beside each value
 * in the config editor. Display only: the topic description (GET /v1/topics/{topic}) gives the values in force,
 * and Strata's deployment defaults (STRATA_TOPIC_DEFAULTS) may differ from Kafka's.
 */
export const KAFKA_DEFAULTS: Record<string, string> = {
  "cleanup.policy": "delete",
  "compression.type": "producer",
  "delete.retention.ms": "86400000",
  "max.message.bytes": "1048588",
  "message.timestamp.after.max.ms": "3600000",
  "message.timestamp.before.max.ms": "9223372036854775807",
  "message.timestamp.type": "CreateTime",
  "min.cleanable.dirty.ratio": "0.5",
  "min.compaction.lag.ms": "0",
  "retention.bytes": "-1",
  "retention.ms": "604800000",
  "segment.bytes": "1073741824",
};
