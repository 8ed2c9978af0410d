/**
 * The request log adds x-request-id to the handler's own answer, in place. Rebuilding a finished answer (what
 * Hono's c.header() does once a handler has answered) turns it into a web Response whose body @hono/node-server
 * must then stream through a ReadableStream instead of writing it at once: for a 1.4 MB JSON fetch answer that
 * cost more than building it.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { installRequestLog } from "../../../lib/api/request-log.js";
import { silentLogger } from "../../../lib/util/logger.js";

describe("the request log's x-request-id", () => {
  it("is added to the answer the handler gave, not to a rebuilt copy of it", async () => {
    const app = new Hono();
    installRequestLog(app, silentLogger);
    let answered: Response | undefined;
    app.get("/big", (c) => {
      answered = c.body("x".repeat(1000), 200, { "content-type": "application/json" });
      return answered;
    });
    const res = await app.request("/big");
    expect(res).toBe(answered);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("is added to answers without a body and to error answers", async () => {
    const app = new Hono();
    installRequestLog(app, silentLogger);
    app.delete("/gone", (c) => c.body(null, 204));
    app.get("/fails", () => {
      throw new Error("boom");
    });
    app.onError(() => new Response("{}", { status: 500, headers: { "content-type": "application/problem+json" } }));
    for (const res of [await app.request("/gone", { method: "DELETE" }), await app.request("/fails")]) {
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
