/**
 * The OpenAPI 3.1 document, generated: its schemas come from the zod schemas the app parses requests with
 * (schemas.ts) and the answer shapes (responses.ts) through zod's toJSONSchema, and the operations from the
 * route table in openapi-routes.ts. A test sends real requests to every route and validates them and the
 * answers against the served document.
 */
import { z } from "zod";
import { BATCHES_MEDIA_TYPE, BOUND_HEADERS, MAX_RECORDS_PER_BATCH } from "../contract.js";
import { MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES } from "../log/validate.js";
import type { Limits } from "./limits.js";
import { namedSchemas, type Operation, routes, type SchemaName } from "./openapi-routes.js";
import * as req from "./schemas.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problems = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: PROBLEM_DESCRIPTIONS[s] ?? "Error",
        ...(s === 429 || s === 503
          ? { headers: { "Retry-After": { schema: { type: "integer" }, description: "seconds to wait" } } }
          : {}),
        content: { "application/problem+json": { schema: ref("Problem") } },
      },
    ]),
  );

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON, wrong types, invalid names, encodings or config; `field` names the member at fault",
  404: "Unknown topic, partition, group or route",
  406: "Not acceptable",
  409:
    "Conflict (topic exists, producer fenced, sequence out of order, concurrent modification; for groups: unknown " +
    "or fenced member, whose problem carries `action: rejoin`, a partition the member does not own, a group with " +
    "live members)",
  413: "Request body over the limit, or a record over the topic's max.message.bytes",
  415: "Unsupported content type",
  416: "Offset out of range; the problem carries logStartOffset and highWatermark",
  403: "A request other than GET/HEAD from another browser origin (Origin or Sec-Fetch-Site), not allow-listed",
  421: "Local server: the Host header names none of the server's own names (DNS rebinding)",
  429: "The backend throttles; retry after Retry-After seconds",
  500:
    "corrupt-data: stored data fails its checks; `retriable: false`, with topic, partition, offset and nextOffset " +
    "(otherwise `internal`)",
  503: "The backend is unavailable; safe to retry",
  507: "The embedded backend's disk or quota is full; the request changed nothing",
};

/** Answers the guard and the storage can give on any route, added to every operation they apply to. */
function withEdgeProblems<P extends Record<string, Record<string, unknown>>>(paths: P): P {
  const reads = new Set(["fetch", "fetchMany"]);
  for (const item of Object.values(paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!["get", "post", "patch", "put", "delete"].includes(method)) continue; // path-level parameters
      const op = value as { operationId: string; responses: Record<string, unknown> };
      const extra = [421];
      if (method !== "get") extra.push(403, 507);
      if (reads.has(op.operationId)) extra.push(500);
      op.responses = { ...op.responses, ...problems(...extra) };
    }
  }
  return paths;
}
const json = (schema: unknown) => ({ "application/json": { schema } });
const pathParam = (name: string, schema: unknown, description: string) => ({
  name,
  in: "path",
  required: true,
  schema,
  description,
});

type JsonSchema = Record<string, unknown>;
const bare = ({ $schema: _s, $id: _i, ...schema }: JsonSchema) => schema;
/** reset's `to` is parsed by hand (schemas.ts); its documented shape is resetTarget's */
const override = (ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) => {
  if (ctx.zodSchema === req.resetTo) Object.assign(ctx.jsonSchema, bare(z.toJSONSchema(req.resetTarget)));
};

function components(limits: Limits) {
  const named = namedSchemas(limits);
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: "input",
    unrepresentable: "any",
    override,
  });
  const schemas = Object.fromEntries(Object.entries(out.schemas).map(([id, s]) => [id, bare(s as JsonSchema)]));
  return schemas;
}

/** Query parameters from a query schema: as the app reads them (integers), optional unless required. */
function queryParameters(schema: z.ZodType) {
  const input = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const output = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  const required = new Set((input.required as string[] | undefined) ?? []);
  return Object.entries(output.properties as Record<string, JsonSchema>).map(([name, { description, ...s }]) => ({
    name,
    in: "query",
    ...(required.has(name) ? { required: true } : {}),
    schema: s,
    ...(description ? { description } : {}),
  }));
}

function operation(op: Operation, limits: Limits) {
  const schemaOf = (name: SchemaName) => ref(name);
  const out: Record<string, unknown> = { operationId: op.operationId };
  if (op.description) out.description = op.description;
  if (op.query) out.parameters = queryParameters(op.query);
  if (op.body) {
    const content: Record<string, unknown> = { "application/json": { schema: schemaOf(op.body.schema) } };
    if (op.body.binary)
      content[BATCHES_MEDIA_TYPE] = {
        schema: { type: "string", contentMediaType: BATCHES_MEDIA_TYPE, maxLength: limits.maxRequestBytes },
      };
    out.requestBody = { required: op.body.required ?? true, content };
  }
  const ok: Record<string, unknown> = { description: op.ok.description };
  if (op.ok.binary)
    ok.headers = Object.fromEntries(
      Object.values(BOUND_HEADERS).map((h) => [h, { schema: { type: "integer" }, description: "binary only" }]),
    );
  if (op.ok.schema) {
    const content: Record<string, unknown> = { "application/json": { schema: schemaOf(op.ok.schema) } };
    if (op.ok.binary) content[BATCHES_MEDIA_TYPE] = { schema: { type: "string" } };
    if (op.ok.frames)
      content[BATCHES_MEDIA_TYPE] = {
        schema: { type: "string", description: "fetch frames: per partition a binary header, then its batches" },
      };
    if (op.ok.events)
      content["text/event-stream"] = {
        schema: { type: "string", description: "server-sent events: id = offset, data = a Record as JSON" },
      };
    ok.content = content;
  } else if (op.ok.anyJson) ok.content = json({});
  else if (op.ok.text) ok.content = { [op.ok.text]: { schema: { type: "string" } } };
  out.responses = { [String(op.ok.status)]: ok, ...problems(...op.problems) };
  return out;
}

export function openApiDocument(limits: Limits) {
  const schemas = components(limits);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of routes(limits)) {
    paths[op.path] ??= {};
    const item = paths[op.path]!;
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => PATH_PARAMETERS[m[1]!]!);
    if (params.length > 0) item.parameters = params;
    item[op.method] = operation(op, limits);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Strata HTTP API",
      version: "1",
      description: [
        "A serverless, Kafka-style log. Errors are application/problem+json (RFC 9457).",
        `Limits: request body ${limits.maxRequestBytes} bytes; ${limits.maxRecordsPerRequest} records per produce;`,
        `${MAX_RECORDS_PER_BATCH} records per produced batch (a JSON produce makes one batch per partition),`,
        `decompressing to at most ${MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES} bytes;`,
        `fetch maxBytes ${limits.maxFetchBytes} (JSON) and ${limits.maxBinaryFetchBytes} (binary);`,
        `maxWaitMs ${limits.maxWaitMs}; ${limits.maxFetchPartitions} partitions per POST /v1/fetch;`,
        `JSON fetch answers are trimmed to stay under ${limits.maxResponseBytes} bytes.`,
        "A JSON body needs Content-Type application/json (else 415); a request other than GET/HEAD from another",
        "browser origin is a 403; the local server answers only for its own host names (else 421): docs/API.md.",
      ].join(" "),
    },
    "x-strata-limits": limits,
    paths: withEdgeProblems(paths),
    components: { schemas },
  };
}

const PATH_PARAMETERS: Record<string, unknown> = {
  topic: pathParam("topic", ref("TopicName"), "topic name"),
  partition: pathParam("partition", { type: "integer", minimum: 0, maximum: 999_999_999 }, "partition number"),
  group: pathParam("group", ref("GroupName"), "consumer group name"),
  memberId: pathParam("memberId", ref("MemberId"), "the memberId the join answered"),
};
