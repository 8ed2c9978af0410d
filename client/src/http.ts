/**
 * The transport: one HTTP request to the Strata API, with authentication, a timeout, and every failure turned into
 * a StrataClientError (problem+json answers through errorFromProblem; no answer at all is a NetworkError). It does
 * not retry: callers decide, on `retriable` alone (retry.ts), through retrying(), which reports each retry. Every
 * request is reported as a "request" event (instrumentation.ts).
 */
import { type Auth, createSigner, type OutgoingRequest, type Signer } from "./auth.js";
import { errorFromProblem, NetworkError, type Problem, StrataClientError } from "./errors.js";
import { Instrumentation, type Logger } from "./instrumentation.js";
import { type RetryOptions, withRetries } from "./retry.js";
import { envVar } from "./runtime.js";

export { BATCHES_MEDIA_TYPE } from "../../lib/contract.js";

export interface ConnectionOptions {
  /** the API's base URL, e.g. http://127.0.0.1:8080 (default STRATA_URL, then http://127.0.0.1:8080) */
  url?: string;
  auth?: Auth;
  /** per request, beyond any long-poll wait; default 30 s */
  requestTimeoutMs?: number;
  /** extra headers on every request */
  headers?: Record<string, string>;
  /** injectable for tests and custom agents */
  fetch?: typeof fetch;
  /** gets a log entry per request (debug), retry (warn) and rebalance (info) */
  logger?: Logger;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  accept?: string;
  /** added to the request timeout (a long poll's wait) */
  extraTimeoutMs?: number;
  signal?: AbortSignal;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly sign: Signer;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly doFetch: typeof fetch;
  /** request, retry and rebalance events: `http.events.on("retry", e => ...)` */
  readonly events: Instrumentation;

  constructor(options: ConnectionOptions = {}) {
    const url = options.url ?? envVar("STRATA_URL") ?? "http://127.0.0.1:8080";
    this.baseUrl = url.replace(/\/+$/, "");
    this.sign = createSigner(options.auth);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.headers = options.headers ?? {};
    this.doFetch = options.fetch ?? fetch;
    this.events = new Instrumentation(options.logger);
  }

  /** withRetries that reports each retry as a "retry" event (and to `options.onRetry`). */
  retrying<T>(operation: string, f: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
    return withRetries(f, {
      ...options,
      onRetry: (error, attempt, delayMs) => {
        this.events.emit("retry", { operation, attempt, delayMs, error });
        options.onRetry?.(error, attempt, delayMs);
      },
    });
  }

  /** Sends one request; resolves to the response when it is 2xx, throws a StrataClientError otherwise. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let body = options.body;
    const headers: Record<string, string> = { ...this.headers };
    if (options.json !== undefined) {
      body = new TextEncoder().encode(JSON.stringify(options.json));
      headers["content-type"] = "application/json";
    } else if (body !== undefined) headers["content-type"] = options.contentType ?? "application/octet-stream";
    if (options.accept) headers.accept = options.accept;
    const outgoing: OutgoingRequest = { method, url, headers, body };
    await this.sign(outgoing);

    const timeout = AbortSignal.timeout(this.timeoutMs + (options.extraTimeoutMs ?? 0));
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: Response;
    const started = Date.now();
    const report = (status: number | undefined, error?: string) =>
      this.events.emit("request", { method, path, status, durationMs: Date.now() - started, error });
    try {
      response = await this.doFetch(url, { method, headers, body, signal });
    } catch (cause) {
      let error: StrataClientError;
      if (options.signal?.aborted) error = new StrataClientError("aborted", `${method} ${path}: aborted`, { cause });
      else if (timeout.aborted) error = new NetworkError(`${method} ${path}: no answer in time`, cause, "timeout");
      else error = new NetworkError(`${method} ${path}: ${describeCause(cause)}`, cause);
      report(undefined, error.code);
      throw error;
    }
    if (response.ok) {
      report(response.status);
      return response;
    }
    const error = await errorFromResponse(response, method, path);
    report(response.status, error.code);
    throw error;
  }

  /** A request whose answer is JSON (undefined for 204). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new NetworkError(`${method} ${path}: the answer was cut or is not JSON`, cause);
    }
  }
}

/** Path segments are always encoded: a topic or group name never changes the route. */
export const seg = (s: string | number): string => encodeURIComponent(String(s));

/** The most specific reason in the cause chain: undici wraps the socket error (ECONNREFUSED...) in "fetch failed". */
function describeCause(cause: unknown): string {
  let reason = cause instanceof Error ? cause.message : String(cause);
  for (let c = (cause as { cause?: unknown })?.cause; c; c = (c as { cause?: unknown }).cause) {
    const e = c as { code?: string; message?: string; errors?: { message?: string }[] };
    if (e.code) return `${e.code}${e.message ? ` (${e.message})` : ""}`;
    if (e.errors?.[0]?.message) return e.errors[0].message;
    if (e.message) reason = e.message;
  }
  return reason;
}

async function errorFromResponse(response: Response, method: string, path: string): Promise<StrataClientError> {
  const retryAfter = response.headers.get("retry-after");
  const retryAfterMs = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  let problem: Problem;
  const text = await response.text().catch(() => "");
  try {
    problem = JSON.parse(text) as Problem;
    if (typeof problem !== "object" || problem === null) throw new Error("not an object");
  } catch {
    // Not a problem document (a proxy, a gateway): keep the status, which decides retriability.
    problem = {
      title: `HTTP ${response.status}`,
      detail: `${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`,
    };
  }
  return errorFromProblem(response.status, problem, retryAfterMs);
}
