/**
 * The API's shared names, limits and media types, stated once. It imports nothing of ours, so the domain
 * (lib/log, lib/groups), the HTTP edge (lib/api) and the client bundle (client/src) all build on it.
 */

/** Topic, group, member and join ids: Kafka's topic-name rule, 1 to 249 characters of [a-zA-Z0-9._-]. */
export const NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
export const NAME_MAX_LENGTH = 249;
export const NAME_RULE = "1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'";
/** "." and ".." match the pattern but URL clients resolve them as path steps before sending. */
export const isValidName = (name: unknown): name is string =>
  typeof name === "string" && NAME_PATTERN.test(name) && name !== "." && name !== "..";

/** Partitions of one topic. Kafka's own bound is far higher; this keeps describe and delete to a few requests. */
export const MAX_PARTITIONS = 10_000;
/**
 * The most records one produced batch may hold. A reader may inflate and walk a whole batch to reach one of its
 * records, and maintenance (compaction) decodes batches whole: a bound on the records of a batch bounds what any
 * of them costs. 10,000 is librdkafka's batch.num.messages default, the Strata client's records per batch, and
 * the records one JSON produce (one batch per partition) or one fetch may carry.
 */
export const MAX_RECORDS_PER_BATCH = 10_000;

/** RecordBatch v2 batches, concatenated (docs/FORMAT.md); for produce bodies and fetch answers. */
export const BATCHES_MEDIA_TYPE = "application/vnd.strata.batches.v1";
/** Response headers of a binary fetch: the partition's bounds travel beside the bytes. */
export const BOUND_HEADERS = {
  nextOffset: "strata-next-offset",
  highWatermark: "strata-high-watermark",
  logStartOffset: "strata-log-start-offset",
} as const;
