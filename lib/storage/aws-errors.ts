/**
 * The one place AWS errors are classified, for both AWS adapters. The SDK's own retry (standard mode) absorbs
 * short bursts of throttling and transient failures; what it gives up on reaches the adapters, which translate
 * it here into the StrataError tree so that the domain's retry loops only ever look at `retriable`.
 */
import { StrataError } from "../errors.js";

interface AwsErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const THROTTLING_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "BandwidthLimitExceeded",
]);

const UNAVAILABLE_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalServerError",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "AbortError",
]);

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/**
 * The retriable StrataError for a transient AWS failure (throttling, timeout, 5xx, network), or undefined
 * when the error is not transient. A timeout is ambiguous (the request may have been applied): it is still
 * retriable, because every Strata write is conditioned so that a replay is a no-op or a clean failure.
 */
export function transientAwsError(error: unknown, operation: string): StrataError | undefined {
  const e = (error ?? {}) as AwsErrorLike;
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING_NAMES.has(name) || status === 429 || (status === 503 && name !== "ServiceUnavailable")) {
    return new StrataError("THROTTLED", `${operation} was throttled: ${name || status}`, {
      retriable: true,
      cause: error,
    });
  }
  if (
    UNAVAILABLE_NAMES.has(name) ||
    NETWORK_CODES.has(e.code ?? "") ||
    (status !== undefined && status >= 500) ||
    isNetworkCause(e.cause)
  ) {
    return new StrataError("UNAVAILABLE", `${operation} failed transiently: ${name || e.code || status}`, {
      retriable: true,
      cause: error,
    });
  }
  return undefined;
}

function isNetworkCause(cause: unknown, depth = 0): boolean {
  if (cause === undefined || cause === null || depth > 5) return false;
  const c = cause as AwsErrorLike;
  return NETWORK_CODES.has(c.code ?? "") || UNAVAILABLE_NAMES.has(c.name ?? "") || isNetworkCause(c.cause, depth + 1);
}

/** Anything unexpected: not retriable, cause kept, so a bug or a misconfiguration is not retried forever. */
export function unexpectedAwsError(error: unknown, operation: string): StrataError {
  if (error instanceof StrataError) return error;
  const e = (error ?? {}) as AwsErrorLike;
  return new StrataError("INTERNAL", `${operation} failed: ${e.name ?? "Error"}: ${e.message ?? String(error)}`, {
    cause: error,
  });
}
