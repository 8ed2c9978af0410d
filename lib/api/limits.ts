/**
 * The HTTP edge's limits, stated once: app.ts enforces them and openapi.ts publishes them.
 *
 * Why these numbers: Lambda accepts and returns at most 6 MB per synchronous invocation, and API Gateway
 * base64-encodes binary bodies (4/3 growth). A 4 MiB request body is 5.6 MB once base64-encoded, so one
 * limit holds locally and in Lambda. A JSON fetch asks the log for at most 3 MiB of record bytes: as base64
 * that is 4 MiB, which leaves room for JSON framing; the app then trims any answer whose encoded size
 * would still pass `maxResponseBytes` (many tiny records with headers inflate more than base64 does).
 */
export interface Limits {
  /** request body bytes, JSON or binary */
  maxRequestBytes: number;
  /** records in one JSON produce request */
  maxRecordsPerRequest: number;
  /** maxBytes of a JSON fetch (record bytes asked of the log) */
  maxFetchBytes: number;
  /** maxBytes of a binary fetch (raw batch bytes; base64 in Lambda makes them 4/3) */
  maxBinaryFetchBytes: number;
  /** maxRecords of one fetch (per partition for POST /v1/fetch) */
  maxFetchRecords: number;
  /** partitions in one POST /v1/fetch */
  maxFetchPartitions: number;
  /** long-poll bound; API Gateway's integration timeout is 30 s */
  maxWaitMs: number;
  /** the encoded size a JSON fetch answer must stay under (Lambda's 6 MB, minus headers) */
  maxResponseBytes: number;
}

export const MiB = 1024 * 1024;

export const defaultLimits: Limits = {
  maxRequestBytes: 4 * MiB,
  maxRecordsPerRequest: 10_000,
  maxFetchBytes: 3 * MiB,
  maxBinaryFetchBytes: 4 * MiB,
  maxFetchRecords: 10_000,
  maxFetchPartitions: 1_000,
  maxWaitMs: 20_000,
  maxResponseBytes: 6_000_000,
};

export const resolveLimits = (overrides: Partial<Limits> = {}): Limits => ({ ...defaultLimits, ...overrides });
