/**
 * The OpenAPI 3.1 document, written by hand so it reads like documentation; a test checks that every route
 * of the app appears in it and that the limits stated here are the limits the app enforces.
 */
import type { Limits } from "./limits.js";

const BATCHES = "application/vnd.strata.batches.v1";
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
  404: "Unknown topic, partition or route",
  406: "Not acceptable",
  409: "Conflict (topic exists, producer fenced, sequence out of order, concurrent modification)",
  413: "Request body over the limit, or a record over the topic's max.message.bytes",
  415: "Unsupported content type",
  416: "Offset out of range; the problem carries logStartOffset and highWatermark",
  429: "The backend throttles; retry after Retry-After seconds",
  503: "The backend is unavailable; safe to retry",
};
const json = (schema: unknown) => ({ "application/json": { schema } });
const pathParam = (name: string, schema: unknown, description: string) => ({
  name,
  in: "path",
  required: true,
  schema,
  description,
});
const query = (name: string, schema: unknown, description: string) => ({ name, in: "query", schema, description });

export function openApiDocument(limits: Limits) {
  const topic = pathParam("topic", ref("TopicName"), "topic name");
  const partition = pathParam("partition", { type: "integer", minimum: 0 }, "partition number");
  const fetchParams = [
    query("offset", { oneOf: [{ type: "integer", minimum: 0 }, { enum: ["earliest", "latest"] }] }, "start offset"),
    query("timestamp", { type: "integer", minimum: 0 }, "instead of offset: first record at or after this time (ms)"),
    query("maxRecords", { type: "integer", minimum: 1, maximum: limits.maxFetchRecords }, "default 500"),
    query(
      "maxBytes",
      { type: "integer", minimum: 1, maximum: limits.maxFetchBytes },
      `record bytes; JSON at most ${limits.maxFetchBytes}, binary at most ${limits.maxBinaryFetchBytes}`,
    ),
    query("maxWaitMs", { type: "integer", minimum: 0, maximum: limits.maxWaitMs }, "long poll: wait for a record"),
    query("encoding", ref("Encoding"), "utf8 (default) or base64"),
  ];
  return {
    openapi: "3.1.0",
    info: {
      title: "Strata HTTP API",
      version: "1",
      description: [
        "A serverless, Kafka-style log. Errors are application/problem+json (RFC 9457).",
        `Limits: request body ${limits.maxRequestBytes} bytes; ${limits.maxRecordsPerRequest} records per produce;`,
        `fetch maxBytes ${limits.maxFetchBytes} (JSON) and ${limits.maxBinaryFetchBytes} (binary);`,
        `maxWaitMs ${limits.maxWaitMs}; ${limits.maxFetchPartitions} partitions per POST /v1/fetch;`,
        `JSON fetch answers are trimmed to stay under ${limits.maxResponseBytes} bytes.`,
      ].join(" "),
    },
    "x-strata-limits": limits,
    paths: {
      "/healthz": { get: { operationId: "health", responses: { "200": { description: "the server is up" } } } },
      "/v1/openapi.json": {
        get: { operationId: "openapi", responses: { "200": { description: "this document", content: json({}) } } },
      },
      "/v1/topics": {
        post: {
          operationId: "createTopic",
          requestBody: { required: true, content: json(ref("CreateTopic")) },
          responses: {
            "201": { description: "created", content: json(ref("Topic")) },
            ...problems(400, 409, 413, 415, 429, 503),
          },
        },
        get: {
          operationId: "listTopics",
          responses: {
            "200": {
              description: "topic names",
              content: json({ type: "object", properties: { topics: { type: "array", items: ref("TopicName") } } }),
            },
            ...problems(429, 503),
          },
        },
      },
      "/v1/topics/{topic}": {
        parameters: [topic],
        get: {
          operationId: "describeTopic",
          responses: { "200": { description: "the topic", content: json(ref("Topic")) }, ...problems(400, 404) },
        },
        patch: {
          operationId: "updateTopic",
          requestBody: { required: true, content: json(ref("UpdateTopic")) },
          responses: { "200": { description: "updated", content: json(ref("Topic")) }, ...problems(400, 404, 413) },
        },
        delete: { operationId: "deleteTopic", responses: { "204": { description: "deleted" }, ...problems(400, 404) } },
      },
      "/v1/producers": {
        post: {
          operationId: "registerProducer",
          description: "Registering again with the same transactionalId bumps the epoch and fences older producers.",
          requestBody: {
            required: false,
            content: json({
              type: "object",
              additionalProperties: false,
              properties: { transactionalId: { type: "string", minLength: 1, maxLength: 249 } },
            }),
          },
          responses: {
            "201": {
              description: "registered",
              content: json({
                type: "object",
                properties: { producerId: { type: "integer" }, producerEpoch: { type: "integer" } },
              }),
            },
            ...problems(400),
          },
        },
      },
      "/v1/topics/{topic}/records": {
        parameters: [topic],
        post: {
          operationId: "produce",
          description: "Records go to their partition, their key's murmur2 partition, or a sticky one.",
          requestBody: { required: true, content: json(ref("Produce")) },
          responses: {
            "200": { description: "one entry per record, in request order", content: json(ref("ProduceResult")) },
            ...problems(400, 404, 409, 413, 415, 429, 503),
          },
        },
      },
      "/v1/topics/{topic}/partitions/{partition}/records": {
        parameters: [topic, partition],
        post: {
          operationId: "produceToPartition",
          description:
            "JSON records pinned to the partition, or RecordBatch v2 batches (binary). Binary idempotent produce: " +
            "producerId, producerEpoch and baseSequence as query parameters.",
          parameters: [
            query("producerId", { type: "integer", minimum: 0 }, "binary idempotent produce"),
            query("producerEpoch", { type: "integer", minimum: 0 }, "binary idempotent produce"),
            query("baseSequence", { type: "integer", minimum: 0 }, "binary idempotent produce"),
          ],
          requestBody: {
            required: true,
            content: {
              ...json(ref("Produce")),
              [BATCHES]: { schema: { type: "string", contentMediaType: BATCHES, maxLength: limits.maxRequestBytes } },
            },
          },
          responses: {
            "200": { description: "offsets", content: json(ref("ProduceResult")) },
            ...problems(400, 404, 409, 413, 415, 429, 503),
          },
        },
        get: {
          operationId: "fetch",
          description: `Send Accept: ${BATCHES} for batches; the bounds then come in Strata-Next-Offset, Strata-High-Watermark and Strata-Log-Start-Offset.`,
          parameters: fetchParams,
          responses: {
            "200": {
              description: "records from the offset",
              headers: {
                "Strata-Next-Offset": { schema: { type: "integer" }, description: "binary only" },
                "Strata-High-Watermark": { schema: { type: "integer" }, description: "binary only" },
                "Strata-Log-Start-Offset": { schema: { type: "integer" }, description: "binary only" },
              },
              content: { ...json(ref("FetchResult")), [BATCHES]: { schema: { type: "string" } } },
            },
            ...problems(400, 404, 416, 429, 503),
          },
        },
      },
      "/v1/fetch": {
        post: {
          operationId: "fetchMany",
          description: "Many partitions, one shared wait: answers as soon as any partition has records.",
          requestBody: { required: true, content: json(ref("FetchMany")) },
          responses: {
            "200": {
              description: "one entry per requested partition, in request order",
              content: json({
                type: "object",
                properties: {
                  partitions: {
                    type: "array",
                    items: {
                      oneOf: [
                        { allOf: [ref("PartitionRef"), ref("FetchResult")] },
                        {
                          allOf: [
                            ref("PartitionRef"),
                            { type: "object", required: ["error"], properties: { error: ref("Problem") } },
                          ],
                        },
                      ],
                    },
                  },
                },
              }),
            },
            ...problems(400, 413, 415, 429, 503),
          },
        },
      },
    },
    components: { schemas: schemas(limits) },
  };
}

function schemas(limits: Limits) {
  const int = { type: "integer", minimum: 0 };
  const bytes = {
    type: ["string", "null"],
    description: "UTF-8 text, or base64 when encoding is base64 (or when listed in a fetched record's base64)",
  };
  return {
    TopicName: { type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$" },
    Encoding: { enum: ["utf8", "base64"], default: "utf8" },
    Config: {
      type: "object",
      description: "Kafka topic config keys; values are strings (numbers accepted for numeric keys)",
      additionalProperties: { type: ["string", "number"] },
    },
    CreateTopic: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: {
        name: ref("TopicName"),
        partitions: { type: "integer", minimum: 1, maximum: 10000, default: 1 },
        config: ref("Config"),
      },
    },
    UpdateTopic: {
      type: "object",
      additionalProperties: false,
      properties: {
        partitions: { type: "integer", minimum: 1, maximum: 10000, description: "may only grow" },
        config: {
          type: "object",
          description: "null resets a key to its default",
          additionalProperties: { type: ["string", "number", "null"] },
        },
      },
    },
    Topic: {
      type: "object",
      properties: {
        name: ref("TopicName"),
        id: { type: "string" },
        partitions: {
          type: "array",
          items: {
            type: "object",
            properties: { partition: int, logStartOffset: int, highWatermark: int },
          },
        },
        config: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    Header: {
      type: "object",
      additionalProperties: false,
      required: ["name", "value"],
      properties: { name: { type: "string" }, value: bytes },
    },
    Produce: {
      type: "object",
      additionalProperties: false,
      required: ["records"],
      properties: {
        records: {
          type: "array",
          minItems: 1,
          maxItems: limits.maxRecordsPerRequest,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["value"],
            properties: {
              key: bytes,
              value: { ...bytes, description: "null is a tombstone" },
              headers: { type: "array", items: ref("Header") },
              partition: int,
              timestamp: { ...int, description: "ms since the epoch; default now" },
            },
          },
        },
        encoding: ref("Encoding"),
        producerId: { ...int, description: "idempotent produce: with producerEpoch and baseSequences" },
        producerEpoch: int,
        baseSequences: {
          type: "object",
          description: "partition -> sequence number of that partition's first record in this request",
          propertyNames: { pattern: "^[0-9]+$" },
          additionalProperties: int,
        },
      },
    },
    ProduceResult: {
      type: "object",
      properties: {
        offsets: {
          type: "array",
          items: {
            type: "object",
            required: ["partition"],
            properties: { partition: int, offset: int, error: ref("Problem") },
          },
        },
        failed: int,
      },
    },
    Record: {
      type: "object",
      properties: {
        offset: int,
        timestamp: int,
        key: bytes,
        value: bytes,
        headers: { type: "array", items: ref("Header") },
        base64: {
          type: "array",
          items: { type: "string" },
          description:
            "with encoding=utf8: the fields (key, value, headers[i]) sent as base64 because they are not UTF-8",
        },
      },
    },
    FetchResult: {
      type: "object",
      properties: {
        records: { type: "array", items: ref("Record") },
        nextOffset: int,
        highWatermark: int,
        logStartOffset: int,
      },
    },
    PartitionRef: { type: "object", properties: { topic: ref("TopicName"), partition: int } },
    FetchMany: {
      type: "object",
      additionalProperties: false,
      required: ["partitions"],
      properties: {
        partitions: {
          type: "array",
          minItems: 1,
          maxItems: limits.maxFetchPartitions,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["topic", "partition"],
            properties: {
              topic: ref("TopicName"),
              partition: int,
              offset: { oneOf: [int, { enum: ["earliest", "latest"] }] },
              timestamp: int,
            },
          },
        },
        maxWaitMs: { type: "integer", minimum: 0, maximum: limits.maxWaitMs },
        maxBytes: { type: "integer", minimum: 1, maximum: limits.maxFetchBytes },
        maxRecords: { type: "integer", minimum: 1, maximum: limits.maxFetchRecords, description: "per partition" },
        encoding: ref("Encoding"),
      },
    },
    Problem: {
      type: "object",
      required: ["type", "title", "status"],
      properties: {
        type: { type: "string", format: "uri-reference" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        field: { type: "string", description: "validation errors: the member at fault, e.g. records[2].value" },
        logStartOffset: int,
        highWatermark: int,
      },
    },
  };
}
