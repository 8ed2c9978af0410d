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

/** Bad input. `field` names the part of the request at fault (a JSON pointer-ish path such as `records[3].key`). */
export class InvalidArgumentError extends StrataError {
  constructor(field: string, message: string, code: ErrorCode = "INVALID_ARGUMENT") {
    super(code, message, { details: { field } });
    this.name = "InvalidArgumentError";
  }
  get field(): string {
    return this.details.field as string;
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
