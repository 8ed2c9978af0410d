/**
 * The one error tree. Every error Strata raises on purpose is a StrataError with a stable `code`,
 * a `retriable` flag (the only thing retry loops look at) and, where it helps the caller recover,
 * structured `details`. The HTTP edge maps `code` to a status through one table (lib/api).
 */
export type ErrorCode =
  // input
  | "INVALID_ARGUMENT"
  | "RECORD_TOO_LARGE"
  | "REQUEST_TOO_LARGE"
  // existence
  | "TOPIC_NOT_FOUND"
  | "PARTITION_NOT_FOUND"
  | "TOPIC_EXISTS"
  | "GROUP_NOT_FOUND"
  | "SUBSCRIPTION_NOT_FOUND"
  // log
  | "OFFSET_OUT_OF_RANGE"
  | "CORRUPT_DATA"
  | "DUPLICATE_SEQUENCE"
  | "OUT_OF_ORDER_SEQUENCE"
  | "PRODUCER_FENCED"
  | "UNKNOWN_PRODUCER"
  | "COMMIT_DEADLINE_EXCEEDED"
  | "CONCURRENT_MODIFICATION"
  // groups
  | "FENCED_MEMBER"
  | "UNKNOWN_MEMBER"
  | "NOT_OWNER"
  | "GROUP_NOT_EMPTY"
  // storage
  | "CONDITION_FAILED"
  | "OBJECT_NOT_FOUND"
  | "THROTTLED"
  | "UNAVAILABLE"
  | "DATA_DIR_LOCKED"
  /** the disk (or the quota) is full: not retriable inside a request, may clear once space is freed */
  | "INSUFFICIENT_STORAGE"
  | "INTERNAL";

export interface StrataErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StrataError";
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/**
 * Where in a call's input an error lies, in the domain's own terms (never an edge's field names): which entry of
 * the input list, which RecordBatch in it, which record, and which member of that. An edge maps it to its own
 * names: HTTP to the request field (lib/api/fields.ts), a Kafka edge to the partition's error.
 *
 * - `input`: the entry of the input list (produceBatches: the k-th PartitionBatches).
 * - `batch`: the RecordBatch within that entry's bytes.
 * - `record`: within `batch` when it is set, else in the call's record list (produceRecords).
 * - `member`: the part of what the rest names; with nothing else, a member of the call's producer identity.
 * - `partition`: the partition a producer member is about (its base sequence there).
 * `{}` is the input as a whole. A format error may carry `batch`/`record`; the domain adds `input`.
 */
export interface Location {
  input?: number;
  batch?: number;
  record?: number;
  member?: LocationMember;
  partition?: number;
}

export type LocationMember =
  | "partition"
  | "bytes"
  | "key"
  | "value"
  | "headers"
  | "timestamp"
  | "maxTimestamp"
  | "producerId"
  | "producerEpoch"
  | "baseSequence";

/**
 * Bad input. `where` is a Location (`details.at`) for input the domain locates structurally (produced records
 * and batches), else the name of the argument at fault (`details.field`, e.g. `group`, `config.retention.ms`).
 */
export class InvalidArgumentError extends StrataError {
  constructor(where: string | Location, message: string, code: ErrorCode = "INVALID_ARGUMENT") {
    super(code, message, { details: typeof where === "string" ? { field: where } : { at: where } });
    this.name = "InvalidArgumentError";
  }
  get field(): string | undefined {
    const field = this.details.field;
    return typeof field === "string" ? field : undefined;
  }
}

/** The Location an error carries (`details.at`), if any. */
export function locationOf(e: unknown): Location | undefined {
  if (!(e instanceof StrataError)) return undefined;
  const at = e.details.at;
  return typeof at === "object" && at !== null ? (at as Location) : undefined;
}

/**
 * Runs `f`; an error it raises at a Location is re-raised at `to(location)` (the same error, its `details.at`
 * replaced): how a caller adds what only it knows, such as the input index or a record's place in the input.
 */
export function relocated<T>(f: () => T, to: (at: Location) => Location): T {
  try {
    return f();
  } catch (e) {
    const at = locationOf(e);
    if (at) (e as StrataError).details.at = to(at);
    throw e;
  }
}

export class OffsetOutOfRangeError extends StrataError {
  constructor(offset: number, logStartOffset: number, highWatermark: number) {
    super(
      "OFFSET_OUT_OF_RANGE",
      `offset ${offset} is outside the partition's range [${logStartOffset}, ${highWatermark}]`,
      { details: { offset, logStartOffset, highWatermark } },
    );
    this.name = "OffsetOutOfRangeError";
  }
}

export const isStrataError = (e: unknown): e is StrataError => e instanceof StrataError;

export const isRetriable = (e: unknown): boolean => isStrataError(e) && e.retriable;
