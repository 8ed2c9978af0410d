/**
 * The live tail (GET .../records with Accept: text/event-stream) read by a real SSE client: fetch with a stream
 * reader, as an EventSource reads it, and curl -N. Records arrive as they are produced (id = offset, data = the
 * record as the JSON fetch gives it), keep-alive comments fill the quiet, a reconnect with Last-Event-ID resumes
 * after it, the stream ends at its longest duration, and a client that goes away leaves nothing waiting.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Parses server-sent events as they come (the EventSource algorithm, minus reconnecting). */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: SseEvent[] = [];
  let ended = false;
  const fill = async () => {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    buffer += value;
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event: SseEvent = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) event.comment = line.slice(1).trim();
        else {
          const at = line.indexOf(":");
          const field = line.slice(0, at) as "id" | "event" | "data";
          const value = line.slice(at + 1).replace(/^ /, "");
          event[field] = field === "data" && event.data !== undefined ? `${event.data}\n${value}` : value;
        }
      }
      queue.push(event);
      cut = buffer.indexOf("\n\n");
    }
  };
  return {
    /** the next event or comment; undefined when the stream ended */
    async next(): Promise<SseEvent | undefined> {
      while (queue.length === 0 && !ended) await fill();
      return queue.shift();
    },
    /** the next event that is not a comment */
    async nextEvent(): Promise<SseEvent | undefined> {
      for (;;) {
        const e = await this.next();
        if (e === undefined || e.comment === undefined) return e;
      }
    },
    cancel: () => reader.cancel(),
  };
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const tailUrl = (s: TestServer, query: string) => `${s.url}/v1/topics/feed/partitions/0/records?${query}`;

describe("live tail over server-sent events", () => {
  it("streams records as they are produced, with keep-alives, and resumes after Last-Event-ID", async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0, tail: { keepAliveMs: 150 } });
    const api = client(server.url);
    await api.post("/v1/topics", { name: "feed", partitions: 1 });
    await api.post("/v1/topics/feed/partitions/0/records", {
      records: [
        { key: "k", value: "first" },
        { value: "second", headers: [{ name: "h", value: "v" }] },
      ],
    });

    const abort = new AbortController();
    const res = await fetch(tailUrl(server, "offset=0"), {
      headers: { accept: "text/event-stream" },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseReader(res.body!);
    const fetched = (await api.get("/v1/topics/feed/partitions/0/records?offset=0")).body.records;
    const e0 = await events.nextEvent();
    const e1 = await events.nextEvent();
    expect([e0?.id, e1?.id]).toEqual(["0", "1"]);
    expect([JSON.parse(e0!.data!), JSON.parse(e1!.data!)]).toEqual(fetched);

    // nothing new: keep-alive comments, and the tail waits for the next commit
    const comment = await events.next();
    expect(comment).toEqual({ comment: "keep-alive" });
    await api.post("/v1/topics/feed/partitions/0/records", { records: [{ value: "third" }] });
    const e2 = await events.nextEvent();
    expect(e2?.id).toBe("2");
    expect(JSON.parse(e2!.data!)).toMatchObject({ offset: 2, value: "third" });

    // the client goes away: its wait ends, nothing is left waiting
    await until(() => server!.log.waitingFetches === 1);
    abort.abort();
    await until(() => server!.log.waitingFetches === 0);
    expect(server.log.waitingFetches).toBe(0);

    // an EventSource reconnecting sends the last id it saw: the stream resumes right after it
    const again = await fetch(tailUrl(server, "offset=0"), {
      headers: { accept: "text/event-stream", "last-event-id": "1" },
    });
    const resumed = sseReader(again.body!);
    expect((await resumed.nextEvent())?.id).toBe("2");
    await resumed.cancel();
    await until(() => server!.log.waitingFetches === 0);
    expect(server.log.waitingFetches).toBe(0);
  });

  it("stops waiting as soon as the client goes away", async () => {
    // keep-alives far apart: only the disconnect itself can end the wait
    server = await startTestServer({ maintenanceIntervalMs: 0, tail: { keepAliveMs: 60_000 } });
    await client(server.url).post("/v1/topics", { name: "feed", partitions: 1 });
    const abort = new AbortController();
    await fetch(tailUrl(server, "offset=latest"), { headers: { accept: "text/event-stream" }, signal: abort.signal });
    await until(() => server!.log.waitingFetches === 1);
    expect(server.log.waitingFetches).toBe(1);
    abort.abort();
    await until(() => server!.log.waitingFetches === 0, 2000);
    expect(server.log.waitingFetches).toBe(0);
  });

  it("ends the stream at its longest duration, and answers a bad start with a problem before streaming", async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0, tail: { keepAliveMs: 100, maxDurationMs: 400 } });
    const api = client(server.url);
    await api.post("/v1/topics", { name: "feed", partitions: 1 });
    const started = Date.now();
    const res = await fetch(tailUrl(server, "offset=latest"), { headers: { accept: "text/event-stream" } });
    const events = sseReader(res.body!);
    const seen: SseEvent[] = [];
    for (let e = await events.next(); e !== undefined; e = await events.next()) seen.push(e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(seen.every((e) => e.comment === "keep-alive")).toBe(true);

    const missing = await api.get("/v1/topics/nope/partitions/0/records?offset=0", { accept: "text/event-stream" });
    expect(missing.status).toBe(404);
    expect(missing.contentType).toBe("application/problem+json");
    const badId = await api.get("/v1/topics/feed/partitions/0/records?offset=0", {
      accept: "text/event-stream",
      "last-event-id": "x",
    });
    expect(badId.status).toBe(400);
    expect(badId.body.field).toBe("Last-Event-ID");
  });

  it("works with curl -N, resuming with Last-Event-ID", async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0, tail: { maxDurationMs: 1000 } });
    const api = client(server.url);
    await api.post("/v1/topics", { name: "feed", partitions: 1 });
    await api.post("/v1/topics/feed/partitions/0/records", { records: [{ value: "a" }, { value: "b" }] });
    const curl = (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn("curl", ["-sS", "-N", "-H", "Accept: text/event-stream", ...args]);
        let out = "";
        p.stdout.on("data", (b) => {
          out += b;
        });
        p.on("error", reject);
        p.on("close", () => resolve(out));
      });
    /** each event as its id and its record's value (comments left out) */
    const parse = (text: string) =>
      text
        .split("\n\n")
        .filter((block) => block.includes("data: "))
        .map((block) => {
          const field = (name: string) => block.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1];
          return { id: field("id"), value: JSON.parse(field("data")!).value };
        });
    const all = await curl(tailUrl(server, "offset=0"));
    expect(parse(all)).toEqual([
      { id: "0", value: "a" },
      { id: "1", value: "b" },
    ]);
    const resumed = await curl("-H", "Last-Event-ID: 0", tailUrl(server, "offset=0"));
    expect(parse(resumed)).toEqual([{ id: "1", value: "b" }]);
  });
});
