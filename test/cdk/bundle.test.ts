/**
 * The real thing, once per run: the app synthesizes with esbuild bundling every function locally (no Docker),
 * with the cdk-nag packs as validation plugins (synthesis throws on any unacknowledged finding). Then the bundles
 * esbuild wrote are loaded the way Lambda loads them (only the AWS SDK resolvable, as the runtime provides it)
 * under Node 22 (the npm `node` package's binary, as on nodejs22.x) and Node 20, and answer API Gateway HTTP API
 * v2 events against the emulators (DynamoDB Local + s3rver) through the environment a deployed function reads.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { isBuiltin } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyNagChecks, nagFindings } from "../../cdk/nag.js";
import { StrataStack } from "../../cdk/stack.js";
import { REPO_ROOT, type StrataEntries } from "../../cdk/strata-log-service.js";
import { apiGatewayEvent } from "../support/apigw.js";
import { type AwsTestStorage, awsTestStorage } from "../support/aws-storage.js";
import { node22Binary } from "./node22.js";
import { MISSING_ENTRIES, testEntries } from "./support.js";

/** The two Node versions the bundles must run on: nodejs22.x's, and the project's own (this process). */
const RUNNING_MAJOR = process.versions.node.split(".")[0];
const NODES: [string, () => string, string][] = [
  ["Node 22 (as nodejs22.x)", node22Binary, "v22."],
  // and the Node running the tests (20 in CI), unless that is 22 already
  ...(RUNNING_MAJOR === "22"
    ? []
    : [[`Node ${RUNNING_MAJOR}`, () => process.execPath, `v${RUNNING_MAJOR}.`] as [string, () => string, string]]),
];

const INVOKER = join(import.meta.dirname, "fixtures", "invoke-bundle.cjs");

let workDir: string;
let stack: StrataStack;
let bundles: Record<keyof StrataEntries, string>;
let sdkOnly: string;
let aws: AwsTestStorage;

beforeAll(async () => {
  // Outside the repository, so that nothing but NODE_PATH can satisfy a require the bundle left external.
  workDir = mkdtempSync(join(tmpdir(), "strata-cdk-"));
  const app = new App({ outdir: join(workDir, "cdk.out"), context: { "aws:cdk:enable-asset-metadata": true } });
  stack = new StrataStack(app, "Strata-bundle", {
    service: { stage: "dev", entries: testEntries(), subscriptions: {} },
  });
  applyNagChecks(app);
  app.synth(); // bundles with esbuild, then runs the nag plugins
  bundles = bundlePaths(stack, join(workDir, "cdk.out"));
  sdkOnly = runtimeModules(workDir);
  aws = await awsTestStorage();
}, 180_000);

afterAll(async () => {
  await aws?.cleanup();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The asset directory of each function, from the asset metadata the synthesis wrote. */
function bundlePaths(s: StrataStack, outdir: string): Record<keyof StrataEntries, string> {
  const template = Template.fromStack(s);
  const fns = template.findResources("AWS::Lambda::Function");
  const byConstruct = (fn: { node: { defaultChild?: unknown } }) => s.getLogicalId(fn.node.defaultChild as never);
  const pathOf = (logicalId: string) => join(outdir, String(fns[logicalId]?.Metadata?.["aws:asset:path"]), "index.js");
  return {
    api: pathOf(byConstruct(s.service.apiFunction)),
    maintenance: pathOf(byConstruct(s.service.maintenanceFunction)),
    worker: pathOf(byConstruct(s.service.workerFunction)),
    subscriptions: pathOf(byConstruct(s.service.subscriptionFunction!)),
  };
}

/**
 * A NODE_PATH directory holding only @aws-sdk/*, as the nodejs22.x runtime provides it (its SDK's own
 * dependencies resolve from their real location; the bundle cannot reach them).
 */
function runtimeModules(dir: string): string {
  const modules = join(dir, "runtime", "node_modules");
  mkdirSync(modules, { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules", "@aws-sdk"), join(modules, "@aws-sdk"));
  return modules;
}

interface Invocation {
  ok: boolean;
  value?: { statusCode: number; body: string; headers?: Record<string, string>; isBase64Encoded?: boolean };
  error?: string;
}

const RESULT_MARKER = "STRATA-INVOKE-RESULT ";

/**
 * Runs a bundle in a child Node with a Lambda-like environment; resolves with the Node version, the results and
 * the log lines the handlers wrote (stdout, as Lambda collects it).
 */
function invokeBundle(
  node: string,
  bundle: string,
  events: unknown[],
  extraEnv: Record<string, string> = {},
): Promise<{ node: string; results: Invocation[]; logs: string[] }> {
  const env = inject("aws");
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_PATH: sdkOnly,
    NODE_OPTIONS: "--enable-source-maps",
    STRATA_BUCKET: aws.bucket,
    STRATA_TABLE: aws.table,
    AWS_REGION: env.region,
    AWS_ENDPOINT_URL_S3: env.s3,
    AWS_ENDPOINT_URL_DYNAMODB: env.dynamodb,
    AWS_ACCESS_KEY_ID: env.credentials?.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID ?? "",
    AWS_SECRET_ACCESS_KEY: env.credentials?.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY ?? "",
    ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(node, [INVOKER], { cwd: workDir, env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      err += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${node} exited with ${code}: ${err}`));
      else {
        const lines = out.split("\n").filter((l) => l !== "");
        const result = lines.find((l) => l.startsWith(RESULT_MARKER));
        if (!result) reject(new Error(`no result from the bundle; its output:\n${out}`));
        else resolve({ ...JSON.parse(result.slice(RESULT_MARKER.length)), logs: lines.filter((l) => l !== result) });
      }
    });
    child.stdin.end(JSON.stringify({ bundle, events }));
  });
}

let requestSeq = 0;

/** An event from an IAM caller (the API's authorizer), over https, with a JSON body. */
function apiEvent(method: string, path: string, options: { query?: string; json?: unknown } = {}) {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return apiGatewayEvent(method, path, {
    query: options.query,
    body,
    headers: { "x-forwarded-proto": "https", ...(body ? { "content-type": "application/json" } : {}) },
    authorizer: { iam: { accountId: "123456789012", userArn: "arn:aws:iam::123456789012:user/tester" } },
    requestId: `bundle-${++requestSeq}`,
  });
}

const bodyOf = (r: Invocation) => {
  const v = r.value!;
  return JSON.parse(v.isBase64Encoded ? Buffer.from(v.body, "base64").toString() : v.body);
};

describe("synthesis with real esbuild bundling", () => {
  it("writes one CommonJS bundle per function, minified with a source map, the AWS SDK left out", () => {
    for (const path of Object.values(bundles)) {
      expect(existsSync(path), path).toBe(true);
      expect(existsSync(`${path}.map`)).toBe(true);
      // the bundled zstd codec reads its WebAssembly beside the bundle
      expect(existsSync(join(path, "..", "zstd.wasm")), "zstd.wasm beside the bundle").toBe(true);
    }
    const api = readFileSync(bundles.api, "utf8");
    expect(api).toMatch(/require\("@aws-sdk\/client-s3"\)/);
    expect(api).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    // Hono and our code are inside; nothing but Node's own modules and the AWS SDK is required at run time.
    const external = [...api.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    for (const name of external) expect(name.startsWith("@aws-sdk/") || isBuiltin(name), name).toBe(true);
    expect(statSync(bundles.api).size).toBeLessThan(2_000_000);
  });

  it("passed the cdk-nag validation plugins, and the packs find nothing unacknowledged", () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe.each(NODES)("the api bundle under %s", (_name, node, version) => {
  it("answers API Gateway v2 events: health, create, produce, fetch, problem, a console page (zstd batches: the WASM codec loads)", async () => {
    const topic = `bundle-${version.replace(/\W/g, "")}`;
    const {
      node: ran,
      results,
      logs,
    } = await invokeBundle(node(), bundles.api, [
      apiEvent("GET", "/healthz"),
      // compression.type zstd: the produce encodes and the fetch decodes with the bundled WASM codec
      apiEvent("POST", "/v1/topics", { json: { name: topic, partitions: 2, config: { "compression.type": "zstd" } } }),
      apiEvent("POST", `/v1/topics/${topic}/records`, {
        json: {
          records: [
            { key: "k", value: "hello", partition: 1 },
            { value: "world", partition: 1 },
          ],
        },
      }),
      apiEvent("GET", `/v1/topics/${topic}/partitions/1/records`, { query: "offset=earliest&maxWaitMs=0" }),
      apiEvent("GET", "/v1/topics/no-such-topic"),
      apiEvent("GET", "/console/topics"),
    ]);
    expect(ran.startsWith(version), ran).toBe(true);
    for (const r of results) expect(r.ok, r.error).toBe(true);
    // CloudWatch embedded-metric-format lines for what the produce and the fetch did.
    const emf = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => "_aws" in l);
    expect(emf.reduce((n, l) => n + Number(l.ProduceRecords ?? 0), 0)).toBe(2);
    expect(emf.reduce((n, l) => n + Number(l.FetchRecords ?? 0), 0)).toBe(2);
    const [health, created, produced, fetched, missing, consolePage] = results as [
      Invocation,
      Invocation,
      Invocation,
      Invocation,
      Invocation,
      Invocation,
    ];
    expect(health.value!.statusCode).toBe(200);
    expect(created.value!.statusCode, created.value!.body).toBe(201);
    expect(produced.value!.statusCode, produced.value!.body).toBe(200);
    expect(bodyOf(produced).offsets).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    expect(fetched.value!.statusCode).toBe(200);
    expect(bodyOf(fetched).records.map((r: { value: string }) => r.value)).toEqual(["hello", "world"]);
    expect(missing.value!.statusCode).toBe(404);
    expect(String(missing.value!.headers?.["content-type"])).toContain("application/problem+json");
    // the web console is embedded in the bundle: the API function serves it too
    expect(consolePage.value!.statusCode).toBe(200);
    expect(String(consolePage.value!.headers?.["content-type"])).toContain("text/html");
    expect(consolePage.value!.body).toMatch(/<script type="module" src="\/console\/assets\/app-\w+\.js">/);
  });
});

/** A stand-in for the Lambda Invoke API: accepts asynchronous invocations (202) and records their payloads. */
async function fakeLambda(): Promise<{
  url: string;
  invocations: { functionName: string; payload: unknown }[];
  server: Server;
}> {
  const invocations: { functionName: string; payload: unknown }[] = [];
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString();
  };
  const server = createServer(async (req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
    const body = await readBody(req);
    if (!match || req.headers["x-amz-invocation-type"] !== "Event") {
      res.writeHead(400, { "content-type": "application/json" }).end('{"message":"unexpected request"}');
      return;
    }
    invocations.push({ functionName: decodeURIComponent(match[1]!), payload: JSON.parse(body || "null") });
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, invocations, server };
}

const maintenancePending = MISSING_ENTRIES.filter((e) => e !== "api");

describe.skipIf(maintenancePending.length > 0)(
  `the maintenance bundles${maintenancePending.length > 0 ? ` (skipped: functions/${maintenancePending.join(", ")} not written yet)` : ""}`,
  () => {
    it.each(NODES)(
      "under %s: the scheduled run fans out to the worker, and the worker runs its jobs",
      async (_name, nodeOf, version) => {
        const node = nodeOf();
        const lambda = await fakeLambda();
        try {
          const scheduled = {
            version: "0",
            id: "1",
            "detail-type": "Scheduled Event",
            source: "aws.events",
            account: "123456789012",
            time: new Date().toISOString(),
            region: "us-east-1",
            resources: ["arn:aws:events:us-east-1:123456789012:rule/strata"],
            detail: {},
          };
          const run = await invokeBundle(node, bundles.maintenance, [scheduled], {
            STRATA_MAINTENANCE_WORKER: "strata-worker",
            AWS_ENDPOINT_URL_LAMBDA: lambda.url,
          });
          expect(run.node.startsWith(version), run.node).toBe(true);
          expect(run.results[0]!.ok, run.results[0]!.error).toBe(true);
          // One asynchronous invocation of the worker per planned job (the dispatcher's default batch of one).
          const planned = (run.results[0]!.value as unknown as { jobs: number }).jobs;
          expect(planned).toBeGreaterThan(0); // at least the orphan sweep; the api tests above made topics too
          expect(lambda.invocations).toHaveLength(planned);
          for (const i of lambda.invocations) expect(i.functionName).toBe("strata-worker");
          const payloads = lambda.invocations.map((i) => i.payload);
          const work = await invokeBundle(node, bundles.worker, payloads);
          for (const r of work.results) {
            expect(r.ok, r.error).toBe(true);
            expect(r.value).toEqual(expect.arrayContaining([expect.objectContaining({ kind: expect.any(String) })]));
          }
        } finally {
          lambda.server.close();
        }
      },
    );
  },
);

describe.each(NODES)("the subscriptions bundle under %s", (_name, node, version) => {
  it("answers a stream batch of head changes and a scheduled sweep (nothing declared: nothing delivered)", async () => {
    const head = { eventName: "MODIFY", dynamodb: { Keys: { pk: { S: "p#some-topic-id#0" }, sk: { S: "head" } } } };
    const run = await invokeBundle(node(), bundles.subscriptions, [
      { Records: [head] },
      { source: "aws.events", "detail-type": "Scheduled Event", detail: {} },
    ]);
    expect(run.node.startsWith(version), run.node).toBe(true);
    for (const r of run.results) {
      expect(r.ok, r.error).toBe(true);
      expect(r.value).toMatchObject({ partitions: 0, delivered: 0 });
    }
  });
});
