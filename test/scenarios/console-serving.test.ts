/**
 * The web console as the server delivers it (lib/console/serve.ts), over HTTP without a browser: the shell at /
 * and at every console page, its assets, a 404 for a console path that is no page, and the API beside it
 * unchanged. The console only reaches the server through /v1, so the guard's rules cover it: a rebound Host
 * name gets no console either.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Raw, sendRaw, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.dispose();
});

const get = (path: string, headers: Record<string, string> = {}): Promise<Raw> =>
  sendRaw(server.url, "GET", path, { host: new URL(server.url).host, ...headers });
const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe("the console's shell and assets", () => {
  it("GET / answers the console's page: HTML that loads only its own script and styles, and may not be framed", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain('<div id="app">');
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    // offline: nothing is loaded from anywhere else
    expect(res.body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(assetsOf(res.body)).toHaveLength(3);
  });

  it("serves each asset the page names with its type, cached for good (names carry a content hash)", async () => {
    const page = (await get("/")).body as string;
    const types = [];
    for (const path of assetsOf(page)) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers["cache-control"]).toContain("immutable");
      expect(String(res.body).length).toBeGreaterThan(100);
      types.push(String(res.headers["content-type"]).split(";")[0]);
    }
    expect(types.sort()).toEqual(["image/svg+xml", "text/css", "text/javascript"]);
    expect((await get("/console/assets/app-000000000000.js")).status).toBe(404);
  });

  it("every console page (deep links included) answers the page; a console path that is no page answers it with 404", async () => {
    for (const path of ["/console", "/console/topics", "/console/topics/orders", "/console/topics/orders/records"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.body).toContain('<div id="app">');
    }
    for (const path of ["/console/groups/billing", "/console/connect", "/console/groups/"]) {
      expect((await get(path)).status, path).toBe(200);
    }
    const missing = await get("/console/no-such-page");
    expect(missing.status).toBe(404);
    expect(missing.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(missing.body).toContain('<div id="app">'); // the shell shows its not-found page
    expect((await get("/console/topics/a/b/c")).status).toBe(404);
  });

  it("leaves the API as it was: /healthz, /v1 routes, and problem+json for unknown routes", async () => {
    expect((await get("/healthz")).body).toEqual({ status: "ok" });
    expect((await get("/v1/topics")).status).toBe(200);
    for (const path of ["/v1/nothing", "/nothing"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers["content-type"]).toContain("application/problem+json");
    }
  });

  it("gives no console to a rebound Host name (the guard's 421, as for the API)", async () => {
    for (const path of ["/", "/console/topics"]) {
      const res = await get(path, { host: "evil.example" });
      expect(res.status, path).toBe(421);
    }
  });
});
