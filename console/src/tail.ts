/**
 * Live tail of one partition. The first request asks the records route for Server-Sent Events (Accept:
 * text/event-stream); the content type of the answer says what the server offers. A stream is read as it comes
 * (each event's data a record, or an object with `records`; its id the offset) and reopened from the next offset
 * when it ends (API Gateway bounds a stream at 30 s). A server without SSE answers the usual JSON fetch: those
 * records are shown and the tail goes on by long polling the same route (maxWaitMs). Read with fetch rather than
 * EventSource so the bearer token goes along, as on every other request.
 */
import { ApiError, authHeaders, type FetchAnswer, type FetchedRecord, type Problem, recordsPath } from "./api.js";

export type TailMode = "connecting" | "sse" | "poll";

export interface TailEvents {
  records(records: FetchedRecord[]): void;
  state(mode: TailMode, error?: Problem): void;
}

const POLL_WAIT_MS = 10_000;
const RETRY_MS = 2_000;

/** Starts tailing from `from`; returns the function that stops it. */
export function startTail(topic: string, partition: number, from: number, on: TailEvents): () => void {
  const abort = new AbortController();
  let next = from;
  let mode: TailMode = "connecting";
  let failing = false;
  const settle = (now: TailMode) => {
    if (now === mode && !failing) return;
    mode = now;
    failing = false;
    on.state(mode);
  };
  const deliver = (records: FetchedRecord[]) => {
    const fresh = records.filter((r) => r.offset >= next);
    if (fresh.length === 0) return;
    next = fresh[fresh.length - 1]!.offset + 1;
    on.records(fresh);
  };
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const query: Record<string, number> =
          mode === "poll" ? { offset: next, maxWaitMs: POLL_WAIT_MS } : { offset: next };
        const accept = mode === "poll" ? "application/json" : "text/event-stream";
        const res = await fetch(recordsPath(topic, partition, query), {
          headers: { accept, ...authHeaders() },
          signal: abort.signal,
        });
        const type = res.headers.get("content-type") ?? "";
        if (!res.ok) {
          const problem = type.includes("json") ? await res.json() : { title: res.statusText, status: res.status };
          throw new ApiError({ ...problem, status: res.status });
        }
        if (type.startsWith("text/event-stream") && res.body) {
          settle("sse");
          const opened = Date.now();
          const before = next;
          await readEvents(res.body, abort.signal, (data) => {
            if (isProblem(data)) throw new ApiError(data);
            deliver(recordsOf(data));
          });
          // a stream that ends at once with nothing must not become a busy loop of reconnections
          if (next === before && Date.now() - opened < RETRY_MS) await sleep(RETRY_MS, abort.signal);
        } else {
          settle("poll");
          const answer = (await res.json()) as FetchAnswer;
          deliver(answer.records);
          next = Math.max(next, answer.nextOffset);
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        const problem = e instanceof ApiError ? e.problem : { title: "Connection lost", status: 0, detail: String(e) };
        failing = true;
        on.state(mode, problem);
        // a request the server refuses (4xx) would be refused again: stop; anything else is retried
        if (problem.status >= 400 && problem.status < 500) return;
        await sleep(RETRY_MS, abort.signal);
      }
    }
  };
  on.state(mode);
  void run();
  return () => abort.abort();
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** An event carrying a problem (the server ending the stream with an error) rather than records. */
const isProblem = (data: unknown): data is Problem =>
  typeof data === "object" && data !== null && "title" in data && "status" in data && !("offset" in data);

function recordsOf(data: unknown): FetchedRecord[] {
  if (typeof data !== "object" || data === null) return [];
  const d = data as { records?: unknown; offset?: unknown };
  if (Array.isArray(d.records)) return d.records as FetchedRecord[];
  return typeof d.offset === "number" ? [d as FetchedRecord] : [];
}

/** Reads a text/event-stream body, calling `onData` with each event's data parsed as JSON. */
async function readEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal, onData: (data: unknown) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      let parsed: unknown;
      try {
        parsed = data === "" ? undefined : JSON.parse(data);
      } catch {
        // not JSON: not a record event
      }
      if (parsed !== undefined) onData(parsed);
      end = buffer.indexOf("\n\n");
    }
  }
}
