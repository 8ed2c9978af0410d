/**
 * Live tail: GET /v1/topics/{topic}/partitions/{partition}/records with Accept: text/event-stream. Records are
 * streamed as server-sent events as they are committed: `id` is the record's offset and `data` the record as the
 * JSON fetch gives it, so an EventSource that reconnects sends Last-Event-ID and resumes after it. A comment
 * (`: keep-alive`) goes out every keepAliveMs while nothing happens, so proxies keep the connection open. The
 * stream ends after maxDurationMs (behind API Gateway, whose integration limit is 30 s; unbounded locally) and
 * when the client goes away: its wait is aborted at once, nothing is left waiting. The first read happens before
 * the stream starts, so an unknown topic or an offset out of range is an ordinary problem+json answer.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { InvalidArgumentError } from "../errors.js";
import type { LogService } from "../log/service.js";
import type { FetchResult, FetchStart } from "../log/types.js";
import { recordJsonString } from "./codec.js";
import { problemFromError } from "./problem.js";
import type { Encoding } from "./schemas.js";

export const EVENT_STREAM = "text/event-stream";

export interface TailOptions {
  /** a keep-alive comment after this long without an event; default 15000 */
  keepAliveMs?: number;
  /** the stream ends after this long (the client reconnects with Last-Event-ID); default unbounded */
  maxDurationMs?: number;
}

export interface TailRequest {
  topic: string;
  partition: number;
  start: FetchStart;
  maxRecords?: number;
  maxBytes: number;
  encoding: Encoding;
}

/** The offset after Last-Event-ID, if the request has one (an EventSource reconnecting). */
export function resumeOffset(header: string | undefined): number | undefined {
  if (header === undefined || header === "") return undefined;
  if (!/^\d{1,16}$/.test(header) || !Number.isSafeInteger(Number(header))) {
    throw new InvalidArgumentError("Last-Event-ID", "Last-Event-ID: the offset of the last record received");
  }
  return Number(header) + 1;
}

export async function tail(c: Context, log: LogService, req: TailRequest, options: TailOptions): Promise<Response> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const started = Date.now();
  const deadline = options.maxDurationMs === undefined ? Number.POSITIVE_INFINITY : started + options.maxDurationMs;
  const read = (offset: FetchStart): Promise<FetchResult> =>
    log.fetch(req.topic, req.partition, {
      offset,
      maxBytes: req.maxBytes,
      maxWaitMs: 0,
      ...(req.maxRecords !== undefined ? { maxRecords: req.maxRecords } : {}),
    });
  const initial = await read(req.start); // errors answer as problems, before any event
  return streamSSE(c, async (stream) => {
    const gone = new AbortController();
    stream.onAbort(() => gone.abort());
    c.req.raw.signal?.addEventListener("abort", () => gone.abort());
    let first: FetchResult | undefined = initial;
    let offset = initial.nextOffset;
    let quietSince = Date.now();
    try {
      while (!gone.signal.aborted && Date.now() < deadline) {
        const r = first ?? (await read(offset));
        first = undefined;
        for (const record of r.records) {
          await stream.writeSSE({ id: String(record.offset), data: recordJsonString(record, req.encoding) });
        }
        offset = r.nextOffset;
        if (r.records.length > 0) {
          quietSince = Date.now();
          continue;
        }
        const now = Date.now();
        if (now - quietSince >= keepAliveMs) {
          await stream.write(": keep-alive\n\n");
          quietSince = now;
        }
        const wait = Math.min(quietSince + keepAliveMs - now, deadline - now);
        if (wait > 0 && !(await log.waitForRecords(req.topic, req.partition, offset, wait, gone.signal))) break;
      }
    } catch (e) {
      // after the stream began: the problem as an `error` event, then the end (an EventSource reconnects)
      if (!gone.signal.aborted) {
        await stream.writeSSE({ event: "error", data: JSON.stringify(problemFromError(e)) }).catch(() => {});
      }
    } finally {
      gone.abort();
    }
  });
}
