/**
 * One log line per HTTP request: method, route (the pattern, e.g. /v1/topics/:topic), path, status, duration
 * and the request id, which the answer carries in x-request-id (an incoming one is kept when it is a sane token,
 * so a caller's or a proxy's id ties its logs to ours). The error code is added when the request failed. Headers
 * (credentials), queries and bodies (record payloads) are never logged. The same figures are counted as metrics
 * (HttpRequests, HttpRequestDuration by route pattern, method and status; "unmatched" when no route was reached).
 */
import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import type { Logger } from "../util/logger.js";

export const REQUEST_ID_HEADER = "x-request-id";
/** letters, digits and . _ : - only, at most 128: nothing that could forge a log line or smuggle a header */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestState {
  logger: Logger;
  code?: string;
}

const states = new WeakMap<Request, RequestState>();

export function installRequestLog(app: Hono, logger: Logger, metrics: Metrics = noMetrics): void {
  app.use(async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const state: RequestState = { logger: logger.child({ requestId }) };
    states.set(c.req.raw, state);
    await next();
    // On the answer's own headers: c.header() on a finished answer rebuilds it as a web Response, and
    // @hono/node-server then streams its body through a ReadableStream instead of writing it at once.
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    // null when no route was reached (no match, a refusal by the guard, a CORS preflight)
    const route = c.req.routePath === "/*" ? null : c.req.routePath;
    const durationMs = performance.now() - started;
    const dimensions = { Route: route ?? "unmatched", Method: c.req.method, Status: String(status) };
    metrics.count("HttpRequests", 1, dimensions);
    metrics.observe("HttpRequestDuration", durationMs, dimensions);
    const fields = {
      method: c.req.method,
      route,
      path: c.req.path,
      status,
      durationMs: Math.round(durationMs * 100) / 100,
      ...(state.code !== undefined ? { code: state.code } : {}),
    };
    if (status >= 500) state.logger.error(fields, "request");
    else state.logger.info(fields, "request");
  });
}

/** The logger of the request `c` (its lines carry the request id); `fallback` outside installRequestLog. */
export function requestLogger(c: Context, fallback: Logger): Logger {
  return states.get(c.req.raw)?.logger ?? fallback;
}

/** Notes why the request failed (a StrataError code, or the edge's problem slug) for its log line. */
export function noteErrorCode(c: Context, code: string): void {
  const state = states.get(c.req.raw);
  if (state) state.code = code;
}
