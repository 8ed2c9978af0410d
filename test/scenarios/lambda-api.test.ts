/**
 * functions/api.ts invoked as Lambda invokes it: API Gateway HTTP API (payload format 2.0) events, including
 * bodies API Gateway base64-encodes, against the AWS emulators (DynamoDB Local + s3rver) through the same
 * environment variables a deployed function reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeRecordBatch, encodeRecordBatch } from "../../lib/format/record-batch.js";
import { apiGatewayEvent, apiHandlerOnEmulators } from "../support/apigw.js";
import type { AwsTestStorage } from "../support/aws-storage.js";

/** The parts of the AWS types this test uses (aws-lambda's types are not a dependency). */
type APIGatewayProxyEventV2 = Record<string, unknown>;
interface APIGatewayProxyResult {
  statusCode: number;
  body: string;
  headers?: Record<string, string | number | boolean>;
  isBase64Encoded?: boolean;
}
type Context = Record<string, unknown>;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

/** STRATA_CORS_ORIGINS of the function under test: a browser app on another site that may call the API */
const WEB_APP = "https://app.example.com";
let aws: AwsTestStorage;
let handler: Handler;

beforeAll(async () => {
  // what the stack's topicDefaults prop sets: read when the function builds its log
  process.env.STRATA_TOPIC_DEFAULTS = JSON.stringify({ "retention.ms": "7200000" });
  process.env.STRATA_CORS_ORIGINS = WEB_APP;
  ({ aws, handler } = await apiHandlerOnEmulators<Handler>());
});
afterAll(async () => {
  delete process.env.STRATA_TOPIC_DEFAULTS;
  delete process.env.STRATA_CORS_ORIGINS;
  await aws?.cleanup();
});

/** An event as a client's request reaches the function: over https, with its user agent and content type. */
function apiEvent(
  method: string,
  path: string,
  options: { query?: string; body?: string | Uint8Array; contentType?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  return apiGatewayEvent(method, path, {
    query: options.query,
    body: options.body,
    headers: {
      "user-agent": "vitest",
      "x-forwarded-proto": "https",
      ...(options.contentType ? { "content-type": options.contentType } : {}),
      ...options.headers,
    },
  });
}

const context = { functionName: "strata-api", awsRequestId: "test" } as Context;
const invoke = (event: APIGatewayProxyEventV2) => handler(event, context);
const json = (r: APIGatewayProxyResult) =>
  JSON.parse(r.isBase64Encoded ? Buffer.from(r.body, "base64").toString() : r.body);
const header = (r: APIGatewayProxyResult, name: string) => String(r.headers?.[name] ?? "");

describe("the Lambda handler on S3 + DynamoDB (emulators)", () => {
  it("creates a topic, produces JSON and fetches it back", async () => {
    const created = await invoke(
      apiEvent("POST", "/v1/topics", {
        body: JSON.stringify({ name: "lambda-orders", partitions: 2 }),
        contentType: "application/json",
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)).toMatchObject({ name: "lambda-orders" });
    expect(json(created).config["retention.ms"]).toBe("7200000"); // STRATA_TOPIC_DEFAULTS

    const produced = await invoke(
      apiEvent("POST", "/v1/topics/lambda-orders/records", {
        body: JSON.stringify({ records: [{ key: "c1", value: "placed", partition: 1 }] }),
        contentType: "application/json",
      }),
    );
    expect(produced.statusCode, produced.body).toBe(200);
    expect(json(produced).offsets).toEqual([{ partition: 1, offset: 0 }]);

    const fetched = await invoke(
      apiEvent("GET", "/v1/topics/lambda-orders/partitions/1/records", { query: "offset=earliest&maxWaitMs=0" }),
    );
    expect(fetched.statusCode).toBe(200);
    expect(fetched.isBase64Encoded).toBe(false);
    expect(json(fetched).records.map((r: { value: string }) => r.value)).toEqual(["placed"]);
  });

  it("accepts a JSON body that API Gateway base64-encoded, with base64 record bytes inside", async () => {
    await invoke(
      apiEvent("POST", "/v1/topics", { body: JSON.stringify({ name: "lambda-b64" }), contentType: "application/json" }),
    );
    const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff]);
    const payload = JSON.stringify({ encoding: "base64", records: [{ value: Buffer.from(bytes).toString("base64") }] });
    const produced = await invoke(
      apiEvent("POST", "/v1/topics/lambda-b64/records", {
        body: new TextEncoder().encode(payload),
        contentType: "application/json",
      }),
    );
    expect(produced.statusCode, produced.body).toBe(200);
    const fetched = await invoke(apiEvent("GET", "/v1/topics/lambda-b64/partitions/0/records", { query: "offset=0" }));
    const [record] = json(fetched).records;
    expect(record.base64).toEqual(["value"]);
    expect(new Uint8Array(Buffer.from(record.value, "base64"))).toEqual(bytes);
  });

  it("produces and fetches RecordBatch v2 bytes (binary both ways, base64 on the wire)", async () => {
    await invoke(
      apiEvent("POST", "/v1/topics", { body: JSON.stringify({ name: "lambda-bin" }), contentType: "application/json" }),
    );
    const records = [1, 2, 3].map((i) => ({
      key: new Uint8Array([i]),
      value: new Uint8Array(100).fill(i),
      headers: [{ name: "n", value: new Uint8Array([i, i]) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const batch = encodeRecordBatch(records);
    const produced = await invoke(
      apiEvent("POST", "/v1/topics/lambda-bin/partitions/0/records", {
        body: batch,
        contentType: "application/vnd.strata.batches.v1",
      }),
    );
    expect(produced.statusCode, produced.body).toBe(200);
    expect(json(produced).failed).toBe(0);

    const fetched = await invoke(
      apiEvent("GET", "/v1/topics/lambda-bin/partitions/0/records", {
        query: "offset=0",
        headers: { accept: "application/vnd.strata.batches.v1" },
      }),
    );
    expect(fetched.statusCode).toBe(200);
    expect(fetched.isBase64Encoded).toBe(true);
    expect(header(fetched, "content-type")).toBe("application/vnd.strata.batches.v1");
    expect(header(fetched, "strata-next-offset")).toBe("3");
    expect(header(fetched, "strata-high-watermark")).toBe("3");
    expect(header(fetched, "strata-log-start-offset")).toBe("0");
    const decoded = decodeRecordBatch(new Uint8Array(Buffer.from(fetched.body, "base64")));
    expect(decoded.records.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual(
      records.map((r, i) => [i, r.key, r.value, r.headers]),
    );
  });

  it("answers problem+json: 404, 400 naming the field, 413 for a base64 body over 4 MiB", async () => {
    const missing = await invoke(apiEvent("GET", "/v1/topics/nope"));
    expect(missing.statusCode).toBe(404);
    expect(header(missing, "content-type")).toContain("application/problem+json");
    expect(missing.isBase64Encoded).toBe(false);

    const bad = await invoke(
      apiEvent("POST", "/v1/topics", { body: JSON.stringify({ name: "bad name" }), contentType: "application/json" }),
    );
    expect(bad.statusCode).toBe(400);
    expect(json(bad).field).toBe("name");

    const big = await invoke(
      apiEvent("POST", "/v1/topics/lambda-bin/partitions/0/records", {
        body: new Uint8Array(4 * 1024 * 1024 + 1),
        contentType: "application/vnd.strata.batches.v1",
      }),
    );
    expect(big.statusCode).toBe(413);
    expect(json(big)).toMatchObject({ status: 413, field: "body" });
  });
});

describe("requests from browsers, through API Gateway", () => {
  const ownHost = String((apiEvent("GET", "/").headers as Record<string, string>).host);
  const createTopic = (name: string, headers: Record<string, string>, contentType = "application/json") =>
    invoke(apiEvent("POST", "/v1/topics", { body: JSON.stringify({ name }), contentType, headers }));
  const exists = async (name: string) => (await invoke(apiEvent("GET", `/v1/topics/${name}`))).statusCode === 200;

  it("a write from a foreign Origin, or Sec-Fetch-Site cross-site, is a 403 and creates nothing", async () => {
    const foreign = await createTopic("lambda-xs-a", {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    });
    expect(foreign.statusCode, foreign.body).toBe(403);
    expect(json(foreign)).toMatchObject({ status: 403, type: "urn:strata:problem:cross-origin-request" });
    const noOrigin = await createTopic("lambda-xs-b", { "sec-fetch-site": "cross-site" });
    expect(noOrigin.statusCode, noOrigin.body).toBe(403);
    expect(await exists("lambda-xs-a")).toBe(false);
    expect(await exists("lambda-xs-b")).toBe(false);
  });

  it("a JSON body without a Content-Type is a 415 and creates nothing", async () => {
    const res = await invoke(apiEvent("POST", "/v1/topics", { body: JSON.stringify({ name: "lambda-xs-c" }) }));
    expect(res.statusCode, res.body).toBe(415);
    expect(await exists("lambda-xs-c")).toBe(false);
  });

  it("the API's own origin, and the STRATA_CORS_ORIGINS one, may write; a custom domain's Host is served", async () => {
    expect((await createTopic("lambda-xs-own", { origin: `https://${ownHost}` })).statusCode).toBe(201);
    const fromApp = await createTopic("lambda-xs-app", { origin: WEB_APP, "sec-fetch-site": "cross-site" });
    expect(fromApp.statusCode, fromApp.body).toBe(201);
    expect(header(fromApp, "access-control-allow-origin")).toBe(WEB_APP);
    // No Host check in Lambda: API Gateway routes by host name; a custom domain arrives as its own domainName.
    const custom = apiEvent("POST", "/v1/topics", {
      body: JSON.stringify({ name: "lambda-xs-custom" }),
      contentType: "application/json",
      headers: { host: "logs.example.com", origin: "https://logs.example.com" },
    });
    (custom.requestContext as Record<string, unknown>).domainName = "logs.example.com";
    const viaCustom = await invoke(custom);
    expect(viaCustom.statusCode, viaCustom.body).toBe(201);
  });

  it("answers a CORS preflight for STRATA_CORS_ORIGINS only", async () => {
    const preflight = (origin: string) =>
      invoke(
        apiEvent("OPTIONS", "/v1/topics", {
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
          },
        }),
      );
    const ok = await preflight(WEB_APP);
    expect(ok.statusCode).toBe(204);
    expect(header(ok, "access-control-allow-origin")).toBe(WEB_APP);
    expect(header(ok, "access-control-allow-methods")).toContain("POST");
    expect(header(await preflight("https://evil.example"), "access-control-allow-origin")).toBe("");
  });
});
