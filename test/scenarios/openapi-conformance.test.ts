/**
 * The served OpenAPI document describes what the server really does: every operation is exercised once over
 * real HTTP, and each request (body and query parameters) and each answer (status, JSON body, binary headers)
 * is validated against that operation in GET /v1/openapi.json with a JSON Schema validator (ajv).
 */
import Ajv from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCHES_MEDIA_TYPE } from "../../lib/contract.js";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { type Answer, type Client, client, startTestServer, type TestServer } from "./http-support.js";

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }>; headers?: Record<string, unknown> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: Json;
}

let server: TestServer;
let api: Client;
let doc: Document;
const ajv = new Ajv({ allErrors: true });
const exercised = new Set<string>();

/** A schema from the document, compiled with the document's components so its $refs resolve. */
function check(schema: Json, data: unknown, what: string) {
  const validate = ajv.compile({ ...schema, components: doc.components });
  if (!validate(data)) throw new Error(`${what} does not match the document: ${ajv.errorsText(validate.errors)}`);
}

/** The operation a concrete method and path belong to, with its path-level parameters. */
function operationOf(method: string, path: string): Operation {
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);
    const op = item[method.toLowerCase()] as Operation | undefined;
    if (pattern.test(path) && op) {
      const pathParams = (item.parameters as Operation["parameters"]) ?? [];
      return { ...op, parameters: [...pathParams, ...(op.parameters ?? [])] };
    }
  }
  throw new Error(`${method} ${path}: not in the document`);
}

/**
 * Sends a request after checking it against its operation, then checks the answer: its status is documented,
 * and a JSON body matches that status's schema.
 */
async function exchange(
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
  requestIs: "valid" | "invalid" = "valid",
): Promise<Answer> {
  const url = new URL(pathAndQuery, "http://x");
  const op = operationOf(method, url.pathname);
  for (const [name, raw] of url.searchParams) {
    const param = op.parameters?.find((p) => p.in === "query" && p.name === name);
    if (!param) throw new Error(`${op.operationId}: query parameter ${name} is not documented`);
    check(param.schema, /^\d+$/.test(raw) ? Number(raw) : raw, `${op.operationId} ?${name}`);
  }
  const type = headers["content-type"] ?? (body === undefined ? undefined : "application/json");
  if (type !== undefined) {
    const media = op.requestBody?.content[type];
    if (!media) throw new Error(`${op.operationId}: request body ${type} is not documented`);
    if (type === "application/json" && requestIs === "valid") check(media.schema, body, `${op.operationId} request`);
    if (requestIs === "invalid") expect(() => check(media.schema, body, "")).toThrow(/does not match/);
  }
  const res = await api.call(method, pathAndQuery, body, headers);
  const answer = op.responses[String(res.status)];
  if (!answer)
    throw new Error(`${op.operationId}: status ${res.status} is not documented (${JSON.stringify(res.body)})`);
  const mediaType = res.contentType.split(";")[0]!.trim();
  if (res.status !== 204 && mediaType !== "") {
    const media = answer.content?.[mediaType];
    if (!media) throw new Error(`${op.operationId}: a ${res.status} answer in ${mediaType} is not documented`);
    if (mediaType.endsWith("json")) check(media.schema, res.body, `${op.operationId} ${res.status} answer`);
    else if (mediaType === BATCHES_MEDIA_TYPE) {
      // the bound headers are documented for the binary answer only
      for (const name of Object.keys(answer.headers ?? {})) {
        expect(res.headers.get(name), `${op.operationId}: header ${name}`).not.toBeNull();
      }
    }
  }
  exercised.add(op.operationId);
  return res;
}

beforeAll(async () => {
  server = await startTestServer({ fsync: "never", maintenanceIntervalMs: 0, tail: { maxDurationMs: 300 } });
  api = client(server.url);
  doc = (await api.get("/v1/openapi.json")).body;
});
afterAll(async () => {
  await server?.dispose();
});

describe("the served OpenAPI document", () => {
  it("describes the real requests and answers of every operation", async () => {
    expect((await exchange("GET", "/healthz")).status).toBe(200);
    expect((await exchange("GET", "/readyz")).status).toBe(200);
    expect((await exchange("GET", "/metrics")).status).toBe(200);
    expect((await exchange("GET", "/v1/openapi.json")).status).toBe(200);

    expect((await exchange("POST", "/v1/topics", { name: "orders", partitions: 2 })).status).toBe(201);
    expect((await exchange("POST", "/v1/topics", { name: "gone" })).status).toBe(201);
    expect((await exchange("GET", "/v1/topics")).body.topics).toContain("orders");
    expect((await exchange("GET", "/v1/topics/orders")).status).toBe(200);
    const update = { partitions: 3, config: { "retention.ms": "86400000", "cleanup.policy": null } };
    expect((await exchange("PATCH", "/v1/topics/orders", update)).status).toBe(200);
    expect((await exchange("DELETE", "/v1/topics/gone")).status).toBe(204);

    const producer = (await exchange("POST", "/v1/producers", { transactionalId: "tx-1" })).body;
    const produced = await exchange("POST", "/v1/topics/orders/records", {
      records: [
        { key: "k1", value: "v1", headers: [{ name: "h", value: null }] },
        { partition: 1, key: null, value: "v2", timestamp: Date.now() },
      ],
    });
    expect(produced.body.failed).toBe(0);
    const idempotent = {
      records: [{ partition: 0, value: "djM=" }],
      encoding: "base64",
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      baseSequences: { "0": 0 },
    };
    expect((await exchange("POST", "/v1/topics/orders/partitions/0/records", idempotent)).status).toBe(200);
    const batch = encodeRecordBatch([{ key: null, value: new TextEncoder().encode("v4"), headers: [], timestamp: 1 }]);
    const binary = await exchange("POST", "/v1/topics/orders/partitions/2/records", batch, {
      "content-type": BATCHES_MEDIA_TYPE,
    });
    expect(binary.status).toBe(200);

    const fetched = await exchange("GET", "/v1/topics/orders/partitions/0/records?offset=earliest&maxRecords=10");
    const tail = await exchange("GET", "/v1/topics/orders/partitions/0/records?offset=earliest", undefined, {
      accept: "text/event-stream",
    });
    expect(tail.body).toMatch(/^data: /m);
    expect(fetched.body.records.length).toBeGreaterThan(0);
    const bytes = await exchange("GET", "/v1/topics/orders/partitions/2/records?offset=0&maxWaitMs=0", undefined, {
      accept: BATCHES_MEDIA_TYPE,
    });
    expect(bytes.contentType).toBe(BATCHES_MEDIA_TYPE);
    const many = await exchange("POST", "/v1/fetch", {
      partitions: [
        { topic: "orders", partition: 1, offset: 0 },
        { topic: "orders", partition: 2, offset: "earliest" },
        { topic: "missing", partition: 0, offset: 0 },
      ],
      maxWaitMs: 0,
      encoding: "base64",
    });
    expect(many.body.partitions[2].error.status).toBe(404);
    const deleted = await exchange("POST", "/v1/topics/orders/partitions/0/delete-records", { beforeOffset: 1 });
    expect(deleted.body.lowWatermark).toBe(1);

    const joined = await exchange("POST", "/v1/groups/billing/members", {
      topics: ["orders"],
      sessionTimeoutMs: 30_000,
      memberId: "m-1",
      joinId: "j-1",
    });
    const { memberId, memberEpoch, assignments } = joined.body;
    const beat = await exchange("POST", `/v1/groups/billing/members/${memberId}/heartbeat`, {
      memberEpoch,
      owned: assignments,
    });
    expect(beat.status).toBe(200);
    const commit = { memberId, memberEpoch, offsets: [{ topic: "orders", partition: 1, offset: 1, metadata: "m" }] };
    expect((await exchange("POST", "/v1/groups/billing/offsets", commit)).status).toBe(200);
    expect((await exchange("GET", "/v1/groups")).body.groups).toContain("billing");
    expect((await exchange("GET", "/v1/groups/billing")).body.members).toHaveLength(1);
    expect((await exchange("GET", "/v1/groups/billing/offsets")).status).toBe(200);
    expect((await exchange("DELETE", `/v1/groups/billing/members/${memberId}?memberEpoch=${memberEpoch}`)).status).toBe(
      204,
    );
    const reset = await exchange("POST", "/v1/groups/billing/offsets/reset", { to: { offset: 0 }, topics: ["orders"] });
    expect(reset.status).toBe(200);
    expect((await exchange("POST", "/v1/groups/billing/offsets/reset", { to: "latest" })).status).toBe(200);
    expect((await exchange("DELETE", "/v1/groups/billing")).status).toBe(204);

    const operations = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((op) => ((op as Operation).operationId ? [(op as Operation).operationId] : [])),
    );
    expect([...exercised].sort()).toEqual([...new Set(operations)].sort());
  });

  it("describes the problems it answers", async () => {
    const bad = await exchange("POST", "/v1/topics", { name: "ok", partitions: 0 }, {}, "invalid");
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("partitions");
    expect((await exchange("GET", "/v1/topics/nowhere")).status).toBe(404);
  });

  it("refuses an answer the document does not describe (the check is not vacuous)", () => {
    const topic = (doc.paths["/v1/topics/{topic}"]!.get as Operation).responses["200"]!.content!["application/json"]!;
    expect(() => check(topic.schema, { name: "t", id: "x", partitions: [], config: {}, extra: 1 }, "t")).toThrow(
      /additional/,
    );
    expect(() => check(topic.schema, { name: "..", id: "x", partitions: [], config: {} }, "t")).toThrow();
  });
});
