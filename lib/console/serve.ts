/**
 * The web console's serving edge: GET / and GET /console/... answer the console's shell (the browser code in
 * console/src, built into built.js by the build step), GET /console/assets/... its scripts and styles. A path
 * under /console that is no page answers the shell with 404, and the shell shows its not-found page. The console
 * reads and changes nothing but through the public /v1 API, from the browser, so every rule of the API (the
 * guard's Host and Origin checks, and authentication when it exists) applies to what it does.
 */
import type { Context, Hono } from "hono";
import { assets, shell, shellHash } from "./built.js";
import { ASSETS_PREFIX, matchRoute } from "./routes.js";

/**
 * The shell runs only its own scripts and styles, talks only to its own origin and may not be framed (a framed
 * console could be clicked through to delete topics).
 */
const SHELL_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

export function consoleRoutes(app: Hono): void {
  const page = (c: Context) => {
    const status = matchRoute(c.req.path) ? 200 : 404;
    const etag = `"${shellHash}"`;
    if (status === 200 && c.req.header("if-none-match") === etag) return c.body(null, 304, { etag });
    return c.body(shell, status, { ...SHELL_HEADERS, etag });
  };
  app.get("/", page);
  app.get(`${ASSETS_PREFIX}*`, (c) => {
    const asset = Object.hasOwn(assets, c.req.path) ? assets[c.req.path] : undefined;
    if (!asset) return c.body("no such console asset\n", 404, { "content-type": "text/plain; charset=utf-8" });
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    });
  });
  app.get("/console", page);
  app.get("/console/*", page);
}
