/**
 * The one table from StrataError.code to HTTP status and RFC 9457 problem type, and the helpers that turn
 * any thrown value into an application/problem+json response. Nothing else in lib/api picks a status for
 * an error.
 */
import { type ErrorCode, isStrataError, type StrataError } from "../errors.js";

export const PROBLEM_JSON = "application/problem+json";

/** Problem types are URNs: stable identifiers, documented in docs/API.md, that never need to resolve. */
export const problemType = (slug: string): string => `urn:strata:problem:${slug}`;

interface ProblemKind {
  status: number;
  slug: string;
  title: string;
  /** what the client must do next, as the problem's `action` member (a stable word clients switch on) */
  action?: string;
  /** the same in words, appended to the detail */
  recovery?: string;
  /** a 5xx kind's own detail, in place of the generic one (5xx never carry the error's message) */
  detail?: string;
  /**
   * false for a server-side fault that repeating cannot fix: the problem says `retriable: false` and, though a 5xx,
   * carries the error's details (what is damaged, where), with the recovery as its detail
   */
  retriable?: false;
}

const kind = (
  status: number,
  slug: string,
  title: string,
  recovery?: Pick<ProblemKind, "action" | "recovery" | "detail">,
) => ({
  status,
  slug,
  title,
  ...recovery,
});

/** An unknown or fenced member cannot be repaired by retrying: it must start over (docs/GROUPS.md). */
const REJOIN = {
  action: "rejoin",
  recovery:
    "To recover, rejoin: drop every partition without committing, then join again with POST /v1/groups/{group}/members.",
};

/** Corrupt stored data fails the same way on every read: an operator restores it, or a reader skips it. */
const CORRUPT = {
  recovery:
    "The stored data at this offset is damaged; retrying will not help. Restore it, or skip it (its records are lost) by reading from nextOffset.",
};

/**
 * code -> status. 5xx kinds never expose the error's message (it may name files, tables or buckets);
 * 4xx kinds carry the message as `detail` and the error's details (field, bounds, expected sequence...)
 * as extension members, because those are what a client needs to recover. So does a 5xx kind that retrying
 * cannot fix (`retriable: false`), with its recovery as the detail.
 */
export const problemKinds: Record<ErrorCode, ProblemKind> = {
  INVALID_ARGUMENT: kind(400, "invalid-argument", "Invalid request"),
  RECORD_TOO_LARGE: kind(413, "record-too-large", "Record too large"),
  REQUEST_TOO_LARGE: kind(413, "request-too-large", "Request too large"),
  TOPIC_NOT_FOUND: kind(404, "topic-not-found", "Topic not found"),
  PARTITION_NOT_FOUND: kind(404, "partition-not-found", "Partition not found"),
  TOPIC_EXISTS: kind(409, "topic-exists", "Topic already exists"),
  GROUP_NOT_FOUND: kind(404, "group-not-found", "Group not found"),
  OFFSET_OUT_OF_RANGE: kind(416, "offset-out-of-range", "Offset out of range"),
  CORRUPT_DATA: { ...kind(500, "corrupt-data", "Corrupt data", CORRUPT), retriable: false },
  DUPLICATE_SEQUENCE: kind(409, "duplicate-sequence", "Duplicate sequence number"),
  OUT_OF_ORDER_SEQUENCE: kind(409, "out-of-order-sequence", "Out of order sequence number"),
  PRODUCER_FENCED: kind(409, "producer-fenced", "Producer fenced"),
  UNKNOWN_PRODUCER: kind(409, "unknown-producer", "Unknown producer"),
  COMMIT_DEADLINE_EXCEEDED: kind(503, "unavailable", "Service unavailable"),
  CONCURRENT_MODIFICATION: kind(409, "concurrent-modification", "Concurrent modification"),
  FENCED_MEMBER: kind(409, "fenced-member", "Member fenced", REJOIN),
  UNKNOWN_MEMBER: kind(409, "unknown-member", "Unknown member", REJOIN),
  NOT_OWNER: kind(409, "not-owner", "Not the owner"),
  GROUP_NOT_EMPTY: kind(409, "group-not-empty", "Group not empty"),
  // a storage condition that reached the edge means a lost race the domain did not absorb: retry
  CONDITION_FAILED: kind(409, "concurrent-modification", "Concurrent modification"),
  OBJECT_NOT_FOUND: kind(500, "internal", "Internal error"),
  THROTTLED: kind(429, "throttled", "Too many requests"),
  UNAVAILABLE: kind(503, "unavailable", "Service unavailable"),
  DATA_DIR_LOCKED: kind(503, "unavailable", "Service unavailable"),
  INSUFFICIENT_STORAGE: kind(507, "insufficient-storage", "Insufficient storage", {
    detail:
      "The server is out of storage space (its disk or quota is full). The request changed nothing; it can succeed again once space is freed.",
  }),
  INTERNAL: kind(500, "internal", "Internal error"),
};

/** Problem types the edge raises on its own (not from a StrataError). */
export const edgeKinds = {
  malformedJson: kind(400, "malformed-json", "Malformed JSON"),
  unsupportedMediaType: kind(415, "unsupported-media-type", "Unsupported media type"),
  notAcceptable: kind(406, "not-acceptable", "Not acceptable"),
  notFound: kind(404, "not-found", "Not found"),
  methodNotAllowed: kind(405, "method-not-allowed", "Method not allowed"),
  // lib/api/guard.ts: a browser page of another origin changing state; a Host this server does not answer for
  crossOrigin: kind(403, "cross-origin-request", "Cross-origin request refused"),
  misdirected: kind(421, "misdirected-request", "Misdirected request"),
  // GET /readyz: the storage did not answer (the detail names the part and the cause)
  notReady: kind(503, "not-ready", "Not ready"),
} as const;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

const STANDARD_MEMBERS = new Set(["type", "title", "status", "detail", "instance"]);
const GENERIC_5XX_DETAIL = "The server could not complete the request; it is safe to retry.";

export function problemOf(k: ProblemKind, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { ...extensions, type: problemType(k.slug), title: k.title, status: k.status, detail };
}

/** Any thrown value -> a problem. Unknown errors become a 500 with no internals. */
export function problemFromError(error: unknown): Problem {
  if (!isStrataError(error)) return problemOf(problemKinds.INTERNAL, "An internal error occurred.");
  const k = problemKinds[error.code] ?? problemKinds.INTERNAL;
  if (k.status >= 500 && k.retriable === false) {
    return problemOf(k, k.recovery ?? k.title, { ...publicDetails(error, PLACE_MEMBERS), retriable: false });
  }
  if (k.status >= 500) return problemOf(k, k.detail ?? GENERIC_5XX_DETAIL);
  const detail = k.recovery ? `${error.message}. ${k.recovery}` : error.message;
  return problemOf(k, detail, { ...publicDetails(error), ...(k.action ? { action: k.action } : {}) });
}

/** What a non-retriable 5xx may say: where the damage is, never the storage's own keys (pk, sk) or paths. */
const PLACE_MEMBERS = new Set(["topic", "partition", "offset", "nextOffset"]);

/** The error's details as extension members: JSON primitives only, never overriding standard members. */
function publicDetails(error: StrataError, only?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(error.details)) {
    if (STANDARD_MEMBERS.has(name) || (only && !only.has(name))) continue;
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[name] = value;
  }
  return out;
}

/** Retry-After (seconds) for throttling and unavailability: the error may say how long, else 1 s. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!isStrataError(error)) return undefined;
  const status = problemKinds[error.code]?.status;
  if (status !== 429 && status !== 503) return undefined;
  const ms = error.details.retryAfterMs;
  return typeof ms === "number" && ms > 0 ? Math.ceil(ms / 1000) : 1;
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_JSON, ...headers },
  });
}

export function errorResponse(error: unknown): Response {
  const retryAfter = retryAfterSeconds(error);
  return problemResponse(problemFromError(error), retryAfter ? { "retry-after": String(retryAfter) } : {});
}
