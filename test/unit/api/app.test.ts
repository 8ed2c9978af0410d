/**
 * The edge on its own: the error table (429 with Retry-After, 503, 500 without internals), the response
 * budget, and the OpenAPI document against the app's routes. The app is served over real HTTP on a free
 * loopback port; the LogService behind it is a stub that only throws, because these answers depend on the
 * error alone (the scenarios cover the real log).
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type GroupService, type RecordsAdmin } from "../../../lib/api/app.js";
import { type FetchJson, trimToBudget } from "../../../lib/api/convert.js";
import { defaultLimits } from "../../../lib/api/limits.js";
import { openApiDocument } from "../../../lib/api/openapi.js";
import { problemKinds } from "../../../lib/api/problem.js";
import { type ErrorCode, StrataError } from "../../../lib/errors.js";
import { fencedMember, notOwner, unknownMember } from "../../../lib/groups/errors.js";
import type { LogService } from "../../../lib/log/service.js";

let nextError: unknown;
/** A stand-in whose every method throws `nextError`. */
const throwing = <T extends object>() =>
  new Proxy({} as T, {
    get: () => async () => {
      throw nextError;
    },
  });
const app = createApp({
  log: throwing<LogService>(),
  groups: throwing<GroupService>(),
  records: throwing<RecordsAdmin>(),
});
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function answerTo(error: unknown, path = "/v1/topics/orders") {
  nextError = error;
  const res = await fetch(`${url}${path}`);
  // biome-ignore lint/suspicious/noExplicitAny: problem bodies of any shape; the tests assert on them
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe("error mapping", () => {
  it("429 with Retry-After when the backend throttles", async () => {
    const res = await answerTo(
      new StrataError("THROTTLED", "slow down", { retriable: true, details: { retryAfterMs: 2500 } }),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ type: "urn:strata:problem:throttled", status: 429, title: "Too many requests" });
  });

  it("503 with Retry-After for an unavailable backend, without its message", async () => {
    const res = await answerTo(new StrataError("UNAVAILABLE", "connect ECONNREFUSED 10.0.0.7:443 table strata-prod"));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(JSON.stringify(res.body)).not.toContain("ECONNREFUSED");
  });

  it("500 with no internals for an unknown error", async () => {
    const res = await answerTo(new TypeError("cannot read properties of undefined (reading 'secretThing')"));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      type: "urn:strata:problem:internal",
      title: "Internal error",
      status: 500,
      detail: "An internal error occurred.",
    });
  });

  it("every error code has a status, and only throttling/unavailability are 429/503", () => {
    for (const [code, k] of Object.entries(problemKinds) as [ErrorCode, { status: number }][]) {
      expect(k.status, code).toBeGreaterThanOrEqual(400);
      if (k.status === 429) expect(code).toBe("THROTTLED");
    }
  });

  it("4xx problems carry the error's recovery details", async () => {
    const res = await answerTo(
      new StrataError("OUT_OF_ORDER_SEQUENCE", "expected 5", { details: { expectedSequence: 5, partition: 0 } }),
    );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ expectedSequence: 5, partition: 0, detail: "expected 5" });
  });
});

describe("group errors", () => {
  const groupPath = "/v1/groups/billing/offsets";

  it("an unknown member is a 409 whose action and detail say to rejoin", async () => {
    const res = await answerTo(unknownMember("billing", "m-1"), groupPath);
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({
      type: "urn:strata:problem:unknown-member",
      action: "rejoin",
      group: "billing",
      memberId: "m-1",
    });
    expect(res.body.detail).toMatch(/rejoin: drop every partition without committing, then join again/);
  });

  it("a fenced member is a 409 with action rejoin and both epochs", async () => {
    const res = await answerTo(fencedMember("billing", "m-1", 3, 5), groupPath);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: "urn:strata:problem:fenced-member",
      action: "rejoin",
      memberEpoch: 3,
      currentEpoch: 5,
    });
    expect(res.body.detail).toContain("rejoin");
  });

  it("not owning a partition is a 409 naming it (the member heartbeats, it need not rejoin)", async () => {
    const res = await answerTo(notOwner("billing", "m-1", "orders", 2), groupPath);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: "urn:strata:problem:not-owner", topic: "orders", partition: 2 });
    expect(res.body.action).not.toBe("rejoin");
  });

  it("group-not-empty is a 409 and group-not-found a 404", async () => {
    expect((await answerTo(new StrataError("GROUP_NOT_EMPTY", "busy"), "/v1/groups/billing")).status).toBe(409);
    const missing = await answerTo(new StrataError("GROUP_NOT_FOUND", "gone"), "/v1/groups/billing");
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe("urn:strata:problem:group-not-found");
  });
});

describe("response budget", () => {
  const record = (offset: number, size: number) => ({
    offset,
    timestamp: 0,
    key: null,
    value: "x".repeat(size),
    headers: [],
  });
  const result = (offsets: number[], size: number): FetchJson => ({
    records: offsets.map((o) => record(o, size)),
    nextOffset: (offsets.at(-1) ?? -1) + 1,
    highWatermark: 100,
    logStartOffset: 0,
  });

  it("trims the tail across partitions and moves nextOffset back to the first dropped record", () => {
    const a = result([0, 1, 2], 400);
    const b = result([10, 11], 400);
    trimToBudget([a, b], 1024 + 2 * 470);
    expect(a.records.map((r) => r.offset)).toEqual([0, 1]);
    expect(a.nextOffset).toBe(2);
    expect(b.records).toEqual([]);
    expect(b.nextOffset).toBe(10);
  });

  it("always keeps the first record, so a consumer progresses", () => {
    const a = result([7], 5000);
    trimToBudget([a], 100);
    expect(a.records).toHaveLength(1);
    expect(a.nextOffset).toBe(8);
  });

  it("the default limits keep a full JSON fetch of the worst record shape under 6 MB", () => {
    // base64 of maxFetchBytes of values is 4/3 of it; the budget must leave room for that
    expect((defaultLimits.maxFetchBytes * 4) / 3).toBeLessThan(defaultLimits.maxResponseBytes);
    expect((defaultLimits.maxBinaryFetchBytes * 4) / 3).toBeLessThan(6 * 1024 * 1024);
    expect((defaultLimits.maxRequestBytes * 4) / 3).toBeLessThan(6 * 1000 * 1000);
  });
});

/** The routes issue 4 asks for, exactly. */
const GROUP_ROUTES = [
  "POST /v1/groups/:group/members",
  "POST /v1/groups/:group/members/:memberId/heartbeat",
  "DELETE /v1/groups/:group/members/:memberId",
  "POST /v1/groups/:group/offsets",
  "GET /v1/groups/:group/offsets",
  "GET /v1/groups",
  "GET /v1/groups/:group",
  "DELETE /v1/groups/:group",
  "POST /v1/groups/:group/offsets/reset",
];

describe("the guard when the app is given no options", () => {
  it("still refuses a cross-origin write (403) and a JSON body without a Content-Type (415)", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/v1/topics`, { method: "POST", headers, body: new TextEncoder().encode('{"name":"x"}') });
    const foreign = await post({ "content-type": "application/json", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ type: "urn:strata:problem:cross-origin-request" });
    const untyped = await post({});
    expect(untyped.status).toBe(415);
    expect(await untyped.json()).toMatchObject({ type: "urn:strata:problem:unsupported-media-type" });
  });

  it("answers no CORS preflight", async () => {
    const res = await fetch(`${url}/v1/topics`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("OpenAPI document", () => {
  const doc = openApiDocument(defaultLimits);

  it("is OpenAPI 3.1 and lists every route of the app with its method", () => {
    expect(doc.openapi).toBe("3.1.0");
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    // the web console's pages and assets (lib/console) are served beside the API, not part of it
    const isConsole = (path: string) => path === "/" || path === "/console" || path.startsWith("/console/");
    const routes = app.routes.filter((r) => r.method !== "ALL" && !isConsole(r.path));
    expect(routes.length).toBeGreaterThanOrEqual(21);
    for (const route of GROUP_ROUTES) expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(route);
    for (const r of routes) {
      const path = r.path.replace(/:([a-zA-Z]+)/g, "{$1}");
      expect(paths[path], path).toBeDefined();
      expect(paths[path]![r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
    }
  });

  it("resolves every $ref and declares every path parameter", () => {
    const schemas = doc.components.schemas as Record<string, unknown>;
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of refs) expect(schemas[ref.split("/").at(-1)!], ref).toBeDefined();
    for (const [path, item] of Object.entries(doc.paths as Record<string, { parameters?: { name: string }[] }>)) {
      const declared = new Set((item.parameters ?? []).map((p) => p.name));
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) expect(declared.has(name!), `${path} {${name}}`).toBe(true);
    }
  });

  it("states the limits the app enforces", () => {
    const text = JSON.stringify(doc);
    expect(doc["x-strata-limits"]).toEqual(defaultLimits);
    expect(text).toContain(`"maxItems":${defaultLimits.maxRecordsPerRequest}`);
    expect(text).toContain(`"maximum":${defaultLimits.maxWaitMs}`);
    expect(text).toContain(`"maximum":${defaultLimits.maxFetchBytes}`);
    expect(doc.info.description).toContain(String(defaultLimits.maxRequestBytes));
  });

  it("lists the guard's and the storage's answers: 421 everywhere, 403 and 507 on writes, corrupt data on reads", () => {
    const paths = doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    const codes = (path: string, method: string) => Object.keys(paths[path]![method]!.responses!);
    expect(codes("/v1/topics", "get")).toContain("421");
    expect(codes("/v1/topics", "get")).not.toContain("403");
    expect(codes("/v1/topics", "post")).toEqual(expect.arrayContaining(["403", "421", "507"]));
    expect(codes("/v1/topics/{topic}/records", "post")).toEqual(expect.arrayContaining(["403", "415", "507"]));
    expect(codes("/v1/topics/{topic}/partitions/{partition}/records", "get")).toContain("500");
    expect(codes("/v1/fetch", "post")).toContain("500");
  });
});
