/**
 * The OpenAPI 3.1 document, written by hand so it reads like documentation; a test checks that every route
 * of the app appears in it and that the limits stated here are the limits the app enforces.
 */
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_COMMIT_PARTITIONS,
  MAX_METADATA_LENGTH,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
} from "../groups/coordinator.js";
import { MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES, MAX_RECORDS_PER_BATCH } from "../log/validate.js";
import type { Limits } from "./limits.js";
import { GROUP_NAME, MAX_SUBSCRIBED_TOPICS } from "./schemas.js";

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
    paths: withEdgeProblems({
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
      "/v1/topics/{topic}/partitions/{partition}/delete-records": {
        parameters: [topic, partition],
        post: {
          operationId: "deleteRecords",
          description:
            "Like Kafka's AdminClient.deleteRecords: moves the partition's logStartOffset forward to beforeOffset " +
            "(-1: the highWatermark). Offsets below it become out of range at once; maintenance frees the storage later. " +
            "Never moves highWatermark; an offset at or below the current logStartOffset changes nothing.",
          requestBody: {
            required: true,
            content: json({
              type: "object",
              additionalProperties: false,
              required: ["beforeOffset"],
              properties: { beforeOffset: { type: "integer", minimum: -1 } },
            }),
          },
          responses: {
            "200": {
              description: "the partition's new logStartOffset",
              content: json({
                type: "object",
                properties: { partition: { type: "integer" }, lowWatermark: { type: "integer" } },
              }),
            },
            ...problems(400, 404, 416),
          },
        },
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
            "producerId, producerEpoch and baseSequence as query parameters, equal to the batch header's. " +
            `A batch holds at most ${MAX_RECORDS_PER_BATCH} records and decompresses to at most ` +
            `${MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES} bytes: past either, a 400 naming body.batch[i] (with limit). ` +
            "Errors about the binary body name body paths (body.batch[i].records[j]...).",
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
          description:
            "Many partitions, one shared wait: answers as soon as any partition has records. Each topic and " +
            "partition at most once: a repeat is a 400 naming partitions[i], the second mention.",
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
      ...groupPaths(),
    }),
    components: { schemas: { ...schemas(limits), ...groupSchemas() } },
  };
}

/** /v1/groups: Kafka-style consumer groups (docs/GROUPS.md). */
function groupPaths() {
  const group = pathParam("group", ref("GroupName"), "consumer group name");
  const member = pathParam("memberId", ref("GroupName"), "the memberId the join answered");
  const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
  return {
    "/v1/groups": {
      get: {
        operationId: "listGroups",
        responses: {
          "200": ok("group names", {
            type: "object",
            properties: { groups: { type: "array", items: ref("GroupName") } },
          }),
          ...problems(429, 503),
        },
      },
    },
    "/v1/groups/{group}": {
      parameters: [group],
      get: {
        operationId: "describeGroup",
        description: "State, group epoch, live members with their assignments, and per-partition offsets with lag.",
        responses: { "200": ok("the group", ref("GroupDescription")), ...problems(400, 404, 429, 503) },
      },
      delete: {
        operationId: "deleteGroup",
        description: "Removes the group's state and commits; only while it has no live members (else 409).",
        responses: { "204": { description: "deleted" }, ...problems(400, 404, 409, 429, 503) },
      },
    },
    "/v1/groups/{group}/members": {
      parameters: [group],
      post: {
        operationId: "joinGroup",
        description:
          "Joins the group (creating it). A join naming a live memberId is a new incarnation of that member: new " +
          "epoch, the previous incarnation is fenced (409 on its next heartbeat or commit) and its partitions are " +
          "given out only once its lease has ended or it left with its epoch. A join retried with the same memberId " +
          "and joinId (its answer was lost) finds the same incarnation. The member may own the listed partitions " +
          "now and must heartbeat well within sessionTimeoutMs.",
        requestBody: { required: true, content: json(ref("Join")) },
        responses: { "200": ok("joined", ref("JoinResult")), ...problems(400, 409, 413, 415, 429, 503) },
      },
    },
    "/v1/groups/{group}/members/{memberId}/heartbeat": {
      parameters: [group, member],
      post: {
        operationId: "heartbeat",
        description:
          "Renews the member's lease and answers the partitions it may own now: it drops every partition not " +
          "listed. 409 with `action: rejoin` when the member is unknown (left, expired) or fenced (stale epoch).",
        requestBody: { required: true, content: json(ref("Heartbeat")) },
        responses: { "200": ok("the member's assignment", ref("HeartbeatResult")), ...problems(400, 409, 413, 415) },
      },
    },
    "/v1/groups/{group}/members/{memberId}": {
      parameters: [group, member],
      delete: {
        operationId: "leaveGroup",
        description:
          "The member's partitions are free at once. Leaving an unknown member is not an error. With memberEpoch, " +
          "only the incarnation at that epoch leaves (a fenced one frees what it may still hold; a newer " +
          "incarnation of the memberId stays).",
        parameters: [query("memberEpoch", { type: "integer", minimum: 0 }, "the leaving incarnation's epoch")],
        responses: { "204": { description: "left" }, ...problems(400, 429, 503) },
      },
    },
    "/v1/groups/{group}/offsets": {
      parameters: [group],
      post: {
        operationId: "commitOffsets",
        description:
          "All partitions or none. A member commit (memberId and memberEpoch) needs a live member at its epoch " +
          "owning every partition, else 409. A standalone commit (neither) is allowed while the group has no live " +
          "members. An offset is the next offset to read.",
        requestBody: { required: true, content: json(ref("CommitOffsets")) },
        responses: {
          "200": ok("committed", {
            type: "object",
            properties: { offsets: { type: "array", items: ref("OffsetCommit") } },
          }),
          ...problems(400, 404, 409, 413, 415, 429, 503),
        },
      },
      get: {
        operationId: "fetchOffsets",
        description: "Every partition of every subscribed or committed topic. An unknown group has no offsets.",
        responses: {
          "200": ok("offsets", {
            type: "object",
            properties: { offsets: { type: "array", items: ref("GroupOffset") } },
          }),
          ...problems(400, 429, 503),
        },
      },
    },
    "/v1/groups/{group}/offsets/reset": {
      parameters: [group],
      post: {
        operationId: "resetOffsets",
        description:
          "Like kafka-consumer-groups --reset-offsets; only while the group has no live members (else 409). " +
          "Default topics: those the group has commits for. An explicit offset is clamped into the partition's range.",
        requestBody: { required: true, content: json(ref("ResetOffsets")) },
        responses: {
          "200": ok("the new offsets", {
            type: "object",
            properties: { offsets: { type: "array", items: ref("TopicPartitionOffset") } },
          }),
          ...problems(400, 404, 409, 413, 415, 429, 503),
        },
      },
    },
  };
}

function groupSchemas() {
  const int = { type: "integer", minimum: 0 };
  const nullableInt = { type: ["integer", "null"], minimum: 0 };
  const topicPartition = { topic: ref("TopicName"), partition: int };
  const partitions = { type: "array", items: ref("TopicPartition") };
  return {
    GroupName: {
      type: "string",
      pattern: GROUP_NAME.source,
      not: { enum: [".", ".."] },
      description: "group names and member ids: 1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'",
    },
    TopicPartition: {
      type: "object",
      additionalProperties: false,
      required: ["topic", "partition"],
      properties: topicPartition,
    },
    TopicPartitionOffset: {
      type: "object",
      properties: { ...topicPartition, offset: int },
    },
    Join: {
      type: "object",
      additionalProperties: false,
      required: ["topics"],
      properties: {
        topics: { type: "array", minItems: 1, maxItems: MAX_SUBSCRIBED_TOPICS, items: ref("TopicName") },
        sessionTimeoutMs: {
          type: "integer",
          minimum: MIN_SESSION_TIMEOUT_MS,
          maximum: MAX_SESSION_TIMEOUT_MS,
          default: DEFAULT_SESSION_TIMEOUT_MS,
        },
        memberId: { ...ref("GroupName"), description: "optional, client-chosen; a live one is replaced (fenced)" },
        joinId: { ...ref("GroupName"), description: "optional, client-chosen per join and repeated on its retries" },
      },
    },
    JoinResult: {
      type: "object",
      properties: {
        memberId: ref("GroupName"),
        memberEpoch: int,
        assignments: { ...partitions, description: "the partitions the member may own now" },
        sessionTimeoutMs: {
          type: "integer",
          description:
            "the lease; the member keeps its partitions only until 2/3 of it after it sent its last successful " +
            "heartbeat (docs/GROUPS.md)",
        },
      },
    },
    Heartbeat: {
      type: "object",
      additionalProperties: false,
      required: ["memberEpoch", "owned"],
      properties: {
        memberEpoch: int,
        owned: { ...partitions, description: "the partitions the member holds right now" },
      },
    },
    HeartbeatResult: {
      type: "object",
      properties: {
        memberEpoch: int,
        assignments: { ...partitions, description: "drop every partition not listed" },
      },
    },
    OffsetCommit: {
      type: "object",
      additionalProperties: false,
      required: ["topic", "partition", "offset"],
      properties: {
        ...topicPartition,
        offset: { ...int, description: "the next offset to read; at most the highWatermark" },
        metadata: { type: "string", maxLength: MAX_METADATA_LENGTH },
      },
    },
    CommitOffsets: {
      type: "object",
      additionalProperties: false,
      required: ["offsets"],
      properties: {
        memberId: { ...ref("GroupName"), description: "with memberEpoch; both absent for a standalone commit" },
        memberEpoch: int,
        offsets: { type: "array", minItems: 1, maxItems: MAX_COMMIT_PARTITIONS, items: ref("OffsetCommit") },
      },
    },
    GroupOffset: {
      type: "object",
      properties: {
        ...topicPartition,
        offset: { ...nullableInt, description: "committed next offset to read; null when none" },
        metadata: { type: ["string", "null"] },
        highWatermark: int,
        lag: { ...nullableInt, description: "highWatermark - offset; null when nothing is committed" },
      },
    },
    GroupMember: {
      type: "object",
      properties: {
        memberId: ref("GroupName"),
        memberEpoch: int,
        topics: { type: "array", items: ref("TopicName") },
        sessionTimeoutMs: int,
        assignments: partitions,
        revoking: { ...partitions, description: "taken away, not yet confirmed released" },
        target: { ...partitions, description: "what the assignor wants the member to own once all has moved" },
        leaseExpiresAt: { ...int, description: "server time, ms since the epoch" },
      },
    },
    GroupDescription: {
      type: "object",
      properties: {
        group: ref("GroupName"),
        state: { enum: ["Empty", "Reconciling", "Stable"] },
        groupEpoch: int,
        members: { type: "array", items: ref("GroupMember") },
        offsets: { type: "array", items: ref("GroupOffset") },
      },
    },
    ResetOffsets: {
      type: "object",
      additionalProperties: false,
      required: ["to"],
      properties: {
        to: {
          oneOf: [
            { enum: ["earliest", "latest"] },
            {
              type: "object",
              additionalProperties: false,
              required: ["timestamp"],
              properties: { timestamp: { ...int, description: "first record at or after it, else the end" } },
            },
            {
              type: "object",
              additionalProperties: false,
              required: ["offset"],
              properties: { offset: { ...int, description: "clamped into [logStartOffset, highWatermark]" } },
            },
          ],
        },
        topics: { type: "array", minItems: 1, items: ref("TopicName") },
      },
    },
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
        action: {
          type: "string",
          description: "what the client must do next; `rejoin` for an unknown or fenced group member",
        },
        logStartOffset: int,
        highWatermark: int,
      },
    },
  };
}
