/**
 * Every HTTP request is logged once, as one JSON line: method, route, status, duration and a request id that
 * the answer carries in x-request-id (a sane incoming one is kept). A failed request's line names its error
 * code. Credentials and record payloads never reach the log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BATCHES_MEDIA_TYPE } from "../../lib/api/app.js";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { captureLog } from "../support/log-capture.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

const captured = captureLog("info");
let server: TestServer;
let api: Client;

beforeAll(async () => {
  server = await startTestServer({ logger: captured.logger, fsync: "never", maintenanceIntervalMs: 0 });
  api = client(server.url);
  expect((await api.post("/v1/topics", { name: "logged", partitions: 1 })).status).toBe(201);
});
afterAll(async () => server?.dispose());
beforeEach(() => captured.clear());

const requestLines = () => captured.lines.filter((l) => l.msg === "request");

describe("the request log", () => {
  it("writes one line per request with method, route, status, duration and the request id it answers with", async () => {
    const res = await api.post("/v1/topics/logged/records", { records: [{ value: "v", partition: 0 }] });
    expect(res.status).toBe(200);
    const lines = requestLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      method: "POST",
      route: "/v1/topics/:topic/records",
      path: "/v1/topics/logged/records",
      status: 200,
      requestId: res.headers.get("x-request-id"),
    });
    expect(lines[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof lines[0]!.durationMs).toBe("number");
    expect(typeof lines[0]!.time).toBe("number");
  });

  it("keeps a sane incoming request id and replaces one that is not", async () => {
    const kept = await api.get("/healthz", { "x-request-id": "edge-42.a_b:c" });
    expect(kept.headers.get("x-request-id")).toBe("edge-42.a_b:c");
    const replaced = await api.get("/healthz", { "x-request-id": `bad id ${"x".repeat(200)}` });
    const id = replaced.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines().map((l) => l.requestId)).toEqual(["edge-42.a_b:c", id]);
  });

  it("names the error code of a failed request, and a request that matched no route", async () => {
    await api.get("/v1/topics/absent/partitions/0/records?offset=0");
    await api.get("/nowhere");
    expect(requestLines()).toEqual([
      expect.objectContaining({
        status: 404,
        code: "TOPIC_NOT_FOUND",
        route: "/v1/topics/:topic/partitions/:partition/records",
      }),
      expect.objectContaining({ status: 404, code: "not-found", route: null }),
    ]);
  });

  it("never logs credentials or record payloads, JSON or binary", async () => {
    const secret = "Bearer s3cr3t-token-value";
    const payload = "payload-that-must-not-be-logged";
    await api.post(
      "/v1/topics/logged/records",
      { records: [{ key: "key-not-logged", value: payload, partition: 0 }] },
      { authorization: secret, cookie: "session=cookie-not-logged" },
    );
    const batch = encodeRecordBatch([
      { key: null, value: new TextEncoder().encode(payload), headers: [], timestamp: Date.now() },
    ]);
    const binary = await fetch(`${server.url}/v1/topics/logged/partitions/0/records`, {
      method: "POST",
      headers: { "content-type": BATCHES_MEDIA_TYPE, authorization: secret },
      body: batch,
    });
    await binary.arrayBuffer();
    expect(binary.status).toBe(200);
    await api.get("/v1/topics/logged/partitions/0/records?offset=0", { authorization: secret });
    expect(requestLines()).toHaveLength(3);
    const text = captured.text();
    for (const leak of [
      "s3cr3t",
      "cookie-not-logged",
      payload,
      "key-not-logged",
      Buffer.from(payload).toString("base64"),
    ])
      expect(text).not.toContain(leak);
  });
});
