/**
 * What keeps a web page from using the server through the browser of someone who visits it (docs/API.md,
 * "Requests from browsers"). Three middlewares, in this order, before any route:
 * - Host: when the app knows where it listens (`listenHost`, the local server), the Host header must name that
 *   address, localhost, a loopback address or an allowed host; else 421. This is what defeats DNS rebinding.
 * - CORS (hono/cors), only for the configured origins; off (no preflight answer, no headers) otherwise.
 * - Origin: a request other than GET/HEAD/OPTIONS whose Origin is neither the request's own host nor a
 *   configured origin, or that has no Origin but Sec-Fetch-Site cross-site/same-site, is a 403.
 * Requests without Origin and Sec-Fetch-Site (curl, the SDK, the CLI, servers) pass the last two untouched.
 * The Content-Type rule for JSON bodies lives with the body parsing, in app.ts.
 */

import { isIP } from "node:net";
import type { Hono, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { BOUND_HEADERS } from "../contract.js";
import { InvalidArgumentError } from "../errors.js";
import { edgeKinds, problemOf, problemResponse } from "./problem.js";

export interface GuardOptions {
  /** the address the server listens on; when set, the Host header is checked (unset in Lambda: see docs/API.md) */
  listenHost?: string;
  /** more names the Host header may give (STRATA_ALLOWED_HOSTS): `name` on any port, `name:port` on that port */
  allowedHosts?: string[];
  /** origins besides the server's own that may change state, and that CORS answers (STRATA_CORS_ORIGINS) */
  corsOrigins?: string[];
}

/** Response headers a browser page may read when CORS lets it read the answer. */
const EXPOSED = [...Object.values(BOUND_HEADERS), "retry-after"];
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The options with each origin normalized; a bad host or origin throws a 400-kind error naming the option. */
export function checkGuardOptions(options: GuardOptions): GuardOptions {
  for (const h of options.allowedHosts ?? []) parseHost(h, "allowedHosts");
  return { ...options, corsOrigins: (options.corsOrigins ?? []).map((o) => parseOrigin(o, "corsOrigins")) };
}

export function installGuard(app: Hono, unchecked: GuardOptions = {}): void {
  const options = checkGuardOptions(unchecked);
  if (options.listenHost !== undefined) app.use(hostCheck(options.listenHost, options.allowedHosts ?? []));
  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    app.use(
      cors({
        origin: origins,
        allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
        exposeHeaders: EXPOSED,
        maxAge: 600,
      }),
    );
  }
  app.use(originCheck(new Set(origins)));
}

function hostCheck(listenHost: string, allowed: string[]): MiddlewareHandler {
  const entries = allowed.map((h) => parseHost(h, "allowedHosts")!);
  // Every address of the machine reaches a wildcard listener; an IP literal cannot be rebound to another one.
  const wildcard = listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "";
  const own = parseHost(isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost);
  return async (c, next) => {
    const given = c.req.header("host");
    const host = given === undefined ? undefined : parseHost(given);
    const ok =
      host !== undefined &&
      (isLoopbackHost(host.name) ||
        host.name === own?.name ||
        (wildcard && isIP(unbracket(host.name)) !== 0) ||
        entries.some((e) => e.name === host.name && (e.port === undefined || e.port === host.port)));
    if (ok) return next();
    return problemResponse(
      problemOf(
        edgeKinds.misdirected,
        `this server does not answer for host ${given ?? "(none)"}: use its address, localhost, or add the name to STRATA_ALLOWED_HOSTS`,
        { field: "host" },
      ),
    );
  };
}

function originCheck(allowed: Set<string>): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    if (origin === undefined) {
      if (site !== "cross-site" && site !== "same-site") return next();
    } else {
      const from = originOf(origin);
      if (from !== undefined && (allowed.has(from.origin) || from.host === new URL(c.req.url).host)) return next();
    }
    const who = origin === undefined ? `a ${site} request without an Origin` : `origin ${origin}`;
    return problemResponse(
      problemOf(
        edgeKinds.crossOrigin,
        `${c.req.method} from ${who} is refused: only the server's own origin, or one in STRATA_CORS_ORIGINS, may change state`,
        { field: "origin" },
      ),
    );
  };
}

/** `a,b , c` -> ["a", "b", "c"]; unset or blank -> []. */
export function parseList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** STRATA_ALLOWED_HOSTS: host names, optionally `name:port`; a bad entry is an error naming the variable. */
export function parseAllowedHosts(value: string | undefined): string[] {
  const hosts = parseList(value);
  for (const h of hosts) parseHost(h, "STRATA_ALLOWED_HOSTS");
  return hosts;
}

/** STRATA_CORS_ORIGINS: origins (`scheme://host[:port]`); `*` is refused, since these origins may change state. */
export function parseCorsOrigins(value: string | undefined): string[] {
  return parseList(value).map((o) => parseOrigin(o, "STRATA_CORS_ORIGINS"));
}

function parseOrigin(value: string, field: string): string {
  const url = originOf(value);
  if (
    value === "*" ||
    url === undefined ||
    !/^https?:$/.test(url.protocol) ||
    !/^https?:\/\/[^/?#]+\/?$/i.test(value)
  ) {
    throw new InvalidArgumentError(
      field,
      `${field}: "${value}" is not an origin (scheme://host[:port], no path, no wildcard: these origins may change state)`,
    );
  }
  return url.origin;
}

function originOf(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.origin === "null" ? undefined : url;
  } catch {
    return undefined;
  }
}

/** `Name:8080` -> {name: "name", port: "8080"}; `[::1]` stays bracketed. With a field, a bad value throws. */
function parseHost(value: string, field?: string): { name: string; port?: string } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) {
    if (field) throw new InvalidArgumentError(field, `${field}: "${value}" is not a host name or host:port`);
    return undefined;
  }
  return { name: m[1]!.toLowerCase(), port: m[2] };
}

const unbracket = (name: string) => name.replace(/^\[(.*)\]$/, "$1");

/** localhost, 127.0.0.0/8, ::1 (bracketed or not, and its IPv4-mapped form). */
export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host.toLowerCase());
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || /^::ffff:127\./.test(h);
}
