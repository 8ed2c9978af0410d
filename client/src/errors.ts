/**
 * The client's one error tree. Every error the SDK throws on purpose is a StrataClientError with a stable `code`
 * (the server's problem slug, such as "topic-not-found", or a client code such as "network"), a `retriable` flag
 * (the only thing the retry loops look at) and `details` carrying what the caller needs to recover (the
 * partition's bounds, the expected sequence, how long to wait). The original error stays in `cause`.
 */

export interface StrataClientErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
  status?: number;
}

export class StrataClientError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;
  /** HTTP status when the server answered */
  readonly status: number | undefined;

  constructor(code: string, message: string, options: StrataClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StrataClientError";
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
    this.status = options.status;
  }

  /** How long the server asked us to wait before retrying (Retry-After), when it said. */
  get retryAfterMs(): number | undefined {
    const v = this.details.retryAfterMs;
    return typeof v === "number" ? v : undefined;
  }
}

/** Bad input caught before any request (a bad option, a value the codec cannot encode). */
export class InvalidInputError extends StrataClientError {
  constructor(message: string, options: StrataClientErrorOptions = {}) {
    super("invalid-input", message, options);
    this.name = "InvalidInputError";
  }
}

/**
 * The request did not get an answer (connection refused or reset, DNS, timeout). Retriable; the request may or may
 * not have been applied, which is why the producer is idempotent by default.
 */
export class NetworkError extends StrataClientError {
  constructor(message: string, cause: unknown, code = "network") {
    super(code, message, { retriable: true, cause });
    this.name = "NetworkError";
  }
}

/**
 * The producer's buffer stayed full for maxBlockMs (Kafka's TimeoutException from send()): acknowledgements are not
 * coming back as fast as records are sent. Retriable: nothing of this send was queued.
 */
export class BufferFullError extends StrataClientError {
  constructor(message: string, details: Record<string, unknown>) {
    super("buffer-full", message, { retriable: true, details });
    this.name = "BufferFullError";
  }
}

/** The operation cannot proceed because its owner was closed. */
export class ClosedError extends StrataClientError {
  constructor(what: string) {
    super("closed", `${what} is closed`);
    this.name = "ClosedError";
  }
}

/** An RFC 9457 problem answered by the server; every extension member is in `details`. */
export class ProblemError extends StrataClientError {
  /** the problem's `type` URN */
  readonly type: string;
  constructor(status: number, problem: Problem, retryAfterMs: number | undefined) {
    const { type, title, detail, status: _s, ...extensions } = problem;
    const code = slugOf(type) ?? `http-${status}`;
    const details: Record<string, unknown> = { ...extensions };
    if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
    // the server's own `retriable` member, where it gives one, wins over the status's rule
    const retriable = typeof extensions.retriable === "boolean" ? extensions.retriable : isRetriable(status, code);
    super(code, detail || title || `HTTP ${status}`, { status, retriable, details });
    this.name = "ProblemError";
    this.type = type ?? "";
  }
}

/** 416: the offset is outside [logStartOffset, highWatermark]; the bounds say where to go. */
export class OffsetOutOfRangeError extends ProblemError {
  constructor(status: number, problem: Problem, retryAfterMs: number | undefined) {
    super(status, problem, retryAfterMs);
    this.name = "OffsetOutOfRangeError";
  }
  get logStartOffset(): number {
    return Number(this.details.logStartOffset);
  }
  get highWatermark(): number {
    return Number(this.details.highWatermark);
  }
}

/**
 * 500 corrupt-data, not retriable: stored data of one partition fails its checks on every read. `offset` is where
 * the damage starts, `nextOffset` the first offset after it (seek there to skip it; its records are lost).
 */
export class CorruptDataError extends ProblemError {
  constructor(status: number, problem: Problem, retryAfterMs: number | undefined) {
    super(status, problem, retryAfterMs);
    this.name = "CorruptDataError";
  }
  get topic(): string {
    return String(this.details.topic);
  }
  get partition(): number {
    return Number(this.details.partition);
  }
  get offset(): number {
    return Number(this.details.offset);
  }
  get nextOffset(): number {
    return Number(this.details.nextOffset);
  }
}

/**
 * 409 from the group coordinator: this member is unknown, fenced (stale memberEpoch) or does not own the partition.
 * Recovery: drop every partition without committing, and join again.
 */
export class MemberFencedError extends ProblemError {
  constructor(status: number, problem: Problem, retryAfterMs: number | undefined) {
    super(status, problem, retryAfterMs);
    this.name = "MemberFencedError";
  }
}

/** 409 for an idempotent producer: fenced by a newer epoch, unknown to the server, or a sequence mismatch. */
export class ProducerStateError extends ProblemError {
  constructor(status: number, problem: Problem, retryAfterMs: number | undefined) {
    super(status, problem, retryAfterMs);
    this.name = "ProducerStateError";
  }
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extension: string]: unknown;
}

const PROBLEM_PREFIX = "urn:strata:problem:";
const slugOf = (type: string | undefined) =>
  type?.startsWith(PROBLEM_PREFIX) ? type.slice(PROBLEM_PREFIX.length) : undefined;

/**
 * Whether repeating the same request can succeed: throttling, unavailability, a 5xx (the server says a 5xx is safe
 * to retry, unless its problem says `retriable: false`, as corrupt data does) and a lost optimistic-concurrency
 * race. Everything else needs the caller to change something.
 */
function isRetriable(status: number, code: string): boolean {
  if (status === 429 || status >= 500) return true;
  return code === "concurrent-modification";
}

const MEMBER_CODES = new Set(["fenced-member", "unknown-member", "not-owner"]);
const PRODUCER_CODES = new Set(["producer-fenced", "unknown-producer", "out-of-order-sequence", "duplicate-sequence"]);

/** The most specific error class for a problem answer. */
export function errorFromProblem(status: number, problem: Problem, retryAfterMs?: number): ProblemError {
  const code = slugOf(problem.type);
  if (code === "offset-out-of-range") return new OffsetOutOfRangeError(status, problem, retryAfterMs);
  if (code === "corrupt-data") return new CorruptDataError(status, problem, retryAfterMs);
  if (code !== undefined && MEMBER_CODES.has(code)) return new MemberFencedError(status, problem, retryAfterMs);
  if (code !== undefined && PRODUCER_CODES.has(code)) return new ProducerStateError(status, problem, retryAfterMs);
  return new ProblemError(status, problem, retryAfterMs);
}

export const isRetriableError = (e: unknown): boolean => e instanceof StrataClientError && e.retriable;
