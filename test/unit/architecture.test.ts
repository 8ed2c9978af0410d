/**
 * The folder layout is the architecture (README, "Architecture"): these checks read every import of our own
 * TypeScript and fail on an import cycle, on an arrow pointing upward (the domain importing an edge), on format
 * code importing anything of ours but the root error tree, and on the AWS SDK outside the AWS adapters, lib/dev,
 * functions/, cdk/ and the SDK's SigV4 signer; and on the web console's browser code (console/src) importing any of
 * the server but the console's route table: it reaches the server through the public HTTP API only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const SOURCES = ["lib", "functions", "client/src", "cdk", "console/src"];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module a file imports or re-exports (type-only imports included: they are arrows too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1]!);
  specs.push(...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!));
  return specs;
}

const graph = new Map<string, { local: string[]; packages: string[] }>();
for (const file of SOURCES.flatMap(files)) {
  const local: string[] = [];
  const packages: string[] = [];
  for (const spec of importsOf(file)) {
    if (spec.startsWith(".")) local.push(relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, ".ts"));
    else packages.push(spec);
  }
  graph.set(file, { local, packages });
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const EDGES = [
  "lib/api/",
  "lib/server/",
  "lib/kafka/",
  "lib/console/",
  "lib/prometheus/",
  "lib/dev/",
  "functions/",
  "client/",
  "cdk/",
];
const DOMAIN = ["lib/log/", "lib/groups/", "lib/maintenance/", "lib/metrics/", "lib/security/", "lib/util/"];
const AWS_ALLOWED = [
  /^lib\/storage\/(aws-|s3-|dynamodb-)/,
  /^lib\/maintenance\/aws-/,
  /^functions\//,
  /^cdk\//,
  /^lib\/dev\//, // development tooling: the emulators and `npm run dev:aws`
  /^client\/src\/auth\.ts$/, // SigV4 signing of SDK requests, an optional dependency of the SDK
];

const arrows = (from: (f: string) => boolean, to: (t: string) => boolean) =>
  [...graph].flatMap(([f, { local }]) => (from(f) ? local.filter(to).map((t) => `${f} -> ${t}`) : []));

describe("the import graph", () => {
  it("has no cycles", () => {
    expect(cycles()).toEqual([]);
  });

  it("has no arrow from the domain or the storage layer up to an edge", () => {
    const lower = (f: string) => DOMAIN.some((d) => f.startsWith(d)) || f.startsWith("lib/storage/");
    expect(arrows(lower, (t) => EDGES.some((e) => t.startsWith(e)))).toEqual([]);
  });

  it("keeps lib/format free of everything else of ours but the root error tree, itself a leaf", () => {
    const outside = (t: string) => !t.startsWith("lib/format/") && t !== "lib/errors.ts";
    expect(arrows((f) => f.startsWith("lib/format/"), outside)).toEqual([]);
    expect(graph.get("lib/errors.ts")?.local).toEqual([]);
  });

  it("keeps lib/contract.ts, the API's shared names and limits, a leaf that the domain, edges and client share", () => {
    expect(graph.get("lib/contract.ts")?.local).toEqual([]);
    expect(graph.get("lib/contract.ts")?.packages).toEqual([]);
  });

  it("keeps lib/metrics and lib/util below the rest of the domain", () => {
    const rest = (t: string) => ["lib/log/", "lib/groups/", "lib/maintenance/"].some((d) => t.startsWith(d));
    expect(arrows((f) => f.startsWith("lib/metrics/") || f.startsWith("lib/util/"), rest)).toEqual([]);
  });

  it("keeps the storage ports and adapters below the domain", () => {
    expect(
      arrows(
        (f) => f.startsWith("lib/storage/"),
        (t) => DOMAIN.some((d) => t.startsWith(d)),
      ),
    ).toEqual([]);
  });

  it("uses prom-client only in lib/prometheus, the Metrics port's Prometheus adapter", () => {
    const offenders = [...graph]
      .filter(([f, { packages }]) => packages.includes("prom-client") && !f.startsWith("lib/prometheus/"))
      .map(([f]) => f);
    expect(offenders).toEqual([]);
    expect(
      [...graph].some(([f, { packages }]) => f.startsWith("lib/prometheus/") && packages.includes("prom-client")),
    ).toBe(true);
  });

  it("uses the AWS SDK only in the AWS adapters, functions/, cdk/, lib/dev and the SDK's signer", () => {
    const offenders = [...graph]
      .filter(
        ([f, { packages }]) => packages.some((p) => p.startsWith("@aws-sdk/")) && !AWS_ALLOWED.some((r) => r.test(f)),
      )
      .map(([f]) => f);
    expect(offenders).toEqual([]);
  });

  it("keeps the console's browser code a client of the HTTP API: of the server it imports only the route table", () => {
    const browser = (f: string) => f.startsWith("console/src/");
    expect(arrows(browser, (t) => !browser(t) && t !== "lib/console/routes.ts")).toEqual([]);
    expect(graph.get("lib/console/routes.ts")).toEqual({ local: [], packages: [] });
    const packages = [...graph].filter(([f]) => browser(f)).flatMap(([, { packages }]) => packages);
    expect([...new Set(packages)].sort()).toEqual(["htm/preact", "preact/hooks"]);
  });
});
