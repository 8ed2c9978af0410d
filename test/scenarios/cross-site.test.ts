/**
 * What a web page a developer visits can do to the local server (docs/API.md, "Requests from browsers"): the real
 * server on a free loopback port, sent requests the way a browser would send them (no Content-Type from a
 * no-cors fetch or sendBeacon, an Origin, Sec-Fetch-Site, a rebound Host name), over node:http so every header
 * goes out as written. Each refusal is checked to have changed nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLog } from "../support/log-capture.js";
import { type Raw, sendRaw as send, startTestServer, type TestServer } from "./http-support.js";

const JSON_TYPE = { "content-type": "application/json" };
const port = (url: string) => new URL(url).port;
let seq = 0;
const topicBody = () => JSON.stringify({ name: `xs-${seq++}-${Date.now()}`, partitions: 1 });
const nameOf = (body: string) => JSON.parse(body).name as string;

function expectProblem(res: Raw, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers["content-type"]).toContain("application/problem+json");
  expect(res.body).toMatchObject({ status, type: `urn:strata:problem:${slug}` });
}

let plain: TestServer;
let configured: TestServer;
const APP = "http://app.example:3000";

beforeAll(async () => {
  plain = await startTestServer();
  configured = await startTestServer({
    corsOrigins: [APP],
    allowedHosts: ["strata.internal", "box.lan:9999"],
  });
});
afterAll(async () => {
  await plain?.dispose();
  await configured?.dispose();
});

const topicExists = async (server: TestServer, name: string) =>
  (await send(server.url, "GET", `/v1/topics/${name}`)).status === 200;

describe("a JSON body needs Content-Type application/json", () => {
  it("a POST without a Content-Type (a no-cors fetch, sendBeacon) is a 415 naming the type, and creates nothing", async () => {
    const body = topicBody();
    const res = await send(plain.url, "POST", "/v1/topics", {}, body);
    expectProblem(res, 415, "unsupported-media-type");
    expect(res.body.detail).toContain("application/json");
    expect(await topicExists(plain, nameOf(body))).toBe(false);
  });

  it("text/plain (what a browser sends for a string body) is a 415, and creates nothing", async () => {
    const body = topicBody();
    const res = await send(plain.url, "POST", "/v1/topics", { "content-type": "text/plain;charset=UTF-8" }, body);
    expectProblem(res, 415, "unsupported-media-type");
    expect(res.body.detail).toContain("text/plain");
    expect(await topicExists(plain, nameOf(body))).toBe(false);
  });

  it("the group routes too: a reset without a Content-Type is a 415", async () => {
    const res = await send(plain.url, "POST", "/v1/groups/xs-group/offsets/reset", {}, '{"to":"earliest"}');
    expectProblem(res, 415, "unsupported-media-type");
  });

  it("a produce without a Content-Type writes nothing", async () => {
    const body = topicBody();
    expect((await send(plain.url, "POST", "/v1/topics", JSON_TYPE, body)).status).toBe(201);
    const topic = nameOf(body);
    const res = await send(plain.url, "POST", `/v1/topics/${topic}/records`, {}, '{"records":[{"value":"x"}]}');
    expectProblem(res, 415, "unsupported-media-type");
    const described = await send(plain.url, "GET", `/v1/topics/${topic}`);
    expect(described.body.partitions[0].highWatermark).toBe(0);
  });

  it("an empty body may go without a Content-Type where the route takes an empty body; a non-empty one may not", async () => {
    expect((await send(plain.url, "POST", "/v1/producers")).status).toBe(201);
    expectProblem(await send(plain.url, "POST", "/v1/producers", {}, "{}"), 415, "unsupported-media-type");
    expectProblem(await send(plain.url, "POST", "/v1/topics"), 415, "unsupported-media-type");
  });

  it("application/json with parameters is JSON", async () => {
    const body = topicBody();
    const res = await send(
      plain.url,
      "POST",
      "/v1/topics",
      { "content-type": "application/json; charset=utf-8" },
      body,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });
});

describe("a state-changing request from another origin is refused", () => {
  it("a foreign Origin is a 403 and creates nothing", async () => {
    const body = topicBody();
    const res = await send(plain.url, "POST", "/v1/topics", { ...JSON_TYPE, origin: "https://evil.example" }, body);
    expectProblem(res, 403, "cross-origin-request");
    expect(await topicExists(plain, nameOf(body))).toBe(false);
  });

  it("a DELETE from a foreign Origin is a 403 and the topic stays", async () => {
    const body = topicBody();
    await send(plain.url, "POST", "/v1/topics", JSON_TYPE, body);
    const res = await send(plain.url, "DELETE", `/v1/topics/${nameOf(body)}`, { origin: "https://evil.example" });
    expectProblem(res, 403, "cross-origin-request");
    expect(await topicExists(plain, nameOf(body))).toBe(true);
  });

  it("another port of the same host is another origin", async () => {
    const res = await send(
      plain.url,
      "POST",
      "/v1/topics",
      { ...JSON_TYPE, origin: "http://127.0.0.1:1" },
      topicBody(),
    );
    expectProblem(res, 403, "cross-origin-request");
  });

  it("Origin: null (a sandboxed frame, a file: page) is a 403", async () => {
    const res = await send(plain.url, "POST", "/v1/topics", { ...JSON_TYPE, origin: "null" }, topicBody());
    expectProblem(res, 403, "cross-origin-request");
  });

  it("Sec-Fetch-Site: cross-site without an Origin is a 403 and creates nothing", async () => {
    const body = topicBody();
    const res = await send(plain.url, "POST", "/v1/topics", { ...JSON_TYPE, "sec-fetch-site": "cross-site" }, body);
    expectProblem(res, 403, "cross-origin-request");
    expect(await topicExists(plain, nameOf(body))).toBe(false);
  });

  it("the server's own origin is served", async () => {
    const own = { ...JSON_TYPE, origin: plain.url, "sec-fetch-site": "same-origin" };
    expect((await send(plain.url, "POST", "/v1/topics", own, topicBody())).status).toBe(201);
  });

  it("an allow-listed origin (STRATA_CORS_ORIGINS) is served; elsewhere it is a 403", async () => {
    const fromApp = { ...JSON_TYPE, origin: APP, "sec-fetch-site": "cross-site" };
    const body = topicBody();
    expect((await send(configured.url, "POST", "/v1/topics", fromApp, body)).status).toBe(201);
    expect(await topicExists(configured, nameOf(body))).toBe(true);
    expectProblem(await send(plain.url, "POST", "/v1/topics", fromApp, topicBody()), 403, "cross-origin-request");
  });

  it("reads stay open to any origin (CORS decides whether the page may read the answer)", async () => {
    const res = await send(plain.url, "GET", "/v1/topics", {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("the Host header must name this server", () => {
  it("a rebound name is a 421, for reads too, and a write through it creates nothing", async () => {
    const evil = { host: `rebind.evil.example:${port(plain.url)}` };
    expectProblem(await send(plain.url, "GET", "/v1/topics", evil), 421, "misdirected-request");
    expectProblem(await send(plain.url, "GET", "/healthz", evil), 421, "misdirected-request");
    const body = topicBody();
    const res = await send(
      plain.url,
      "POST",
      "/v1/topics",
      { ...evil, ...JSON_TYPE, origin: `http://${evil.host}` },
      body,
    );
    expectProblem(res, 421, "misdirected-request");
    expect(await topicExists(plain, nameOf(body))).toBe(false);
  });

  it("localhost and loopback addresses are served, with their port", async () => {
    for (const host of [`localhost:${port(plain.url)}`, `127.0.0.1:${port(plain.url)}`, "localhost", "[::1]:8080"]) {
      expect((await send(plain.url, "GET", "/v1/topics", { host })).status, host).toBe(200);
    }
    const own = { host: `localhost:${port(plain.url)}`, origin: `http://localhost:${port(plain.url)}`, ...JSON_TYPE };
    expect((await send(plain.url, "POST", "/v1/topics", own, topicBody())).status).toBe(201);
  });

  it("allow-listed names (STRATA_ALLOWED_HOSTS) are served: a bare name on any port, host:port on that port", async () => {
    const get = (host: string) => send(configured.url, "GET", "/v1/topics", { host });
    expect((await get("strata.internal")).status).toBe(200);
    expect((await get("strata.internal:8443")).status).toBe(200);
    expect((await get("box.lan:9999")).status).toBe(200);
    expectProblem(await get("box.lan:8080"), 421, "misdirected-request");
    expectProblem(await send(plain.url, "GET", "/v1/topics", { host: "strata.internal" }), 421, "misdirected-request");
  });
});

describe("CORS", () => {
  const preflight = (server: TestServer, origin: string) =>
    send(server.url, "OPTIONS", "/v1/topics", {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    });

  it("is off unless configured: no preflight answer, no Access-Control-Allow-Origin", async () => {
    const res = await preflight(plain, APP);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["access-control-allow-methods"]).toBeUndefined();
    const read = await send(plain.url, "GET", "/v1/topics", { origin: APP });
    expect(read.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("when configured, answers a preflight from an allowed origin only", async () => {
    const ok = await preflight(configured, APP);
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe(APP);
    expect(ok.headers["access-control-allow-methods"]).toContain("POST");
    const other = await preflight(configured, "https://evil.example");
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("when configured, answers (errors included) carry the allowed origin and expose the offset headers", async () => {
    const read = await send(configured.url, "GET", "/v1/topics/no-such-topic", { origin: APP });
    expect(read.status).toBe(404);
    expect(read.headers["access-control-allow-origin"]).toBe(APP);
    expect(read.headers["access-control-expose-headers"]).toContain("strata-next-offset");
  });
});

describe("a server listening on every interface", () => {
  let wide: TestServer | undefined;
  afterAll(async () => wide?.dispose());

  it("warns at start that it has no authentication, and serves IP addresses but not unknown names", async () => {
    const captured = captureLog("warn");
    wide = await startTestServer({ host: "0.0.0.0", logger: captured.logger });
    expect(captured.lines).toEqual([expect.objectContaining({ level: "warn", host: "0.0.0.0" })]);
    expect(captured.lines[0]!.msg).toMatch(/0\.0\.0\.0.*no authentication/);
    const local = `http://127.0.0.1:${port(wide.url)}`;
    expect((await send(local, "GET", "/v1/topics")).status).toBe(200);
    expect((await send(local, "GET", "/v1/topics", { host: `192.0.2.10:${port(wide.url)}` })).status).toBe(200);
    expectProblem(await send(local, "GET", "/v1/topics", { host: "rebind.evil.example" }), 421, "misdirected-request");
  });

  it("a loopback server prints no such warning", async () => {
    const captured = captureLog("warn");
    const quiet = await startTestServer({ logger: captured.logger });
    await quiet.dispose();
    expect(captured.lines).toEqual([]);
  });
});
