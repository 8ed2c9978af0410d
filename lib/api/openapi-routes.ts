/**
 * The route table the OpenAPI document is generated from (openapi.ts): per operation its method, path, request
 * and answer schemas (zod, from schemas.ts and responses.ts), the problem statuses it can answer and its prose.
 * The guard's and the storage's statuses (421, 403, 507, 500) are added by openapi.ts to every route they apply to.
 */
import type { z } from "zod";
import { BATCHES_MEDIA_TYPE, MAX_RECORDS_PER_BATCH } from "../contract.js";
import { MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES } from "../log/validate.js";
import type { Limits } from "./limits.js";
import * as res from "./responses.js";
import * as req from "./schemas.js";

export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI style: /v1/topics/{topic} */
  path: string;
  operationId: string;
  description?: string;
  query?: z.ZodType;
  /** `binary`: the body may also be RecordBatch v2 bytes; `required` defaults to true */
  body?: { schema: SchemaName; required?: boolean; binary?: boolean };
  /** the success answer: `binary` adds the batches media type and the bound headers; `anyJson`: any JSON */
  ok: {
    status: number;
    description: string;
    schema?: SchemaName;
    binary?: boolean;
    /** the answer may also be fetch frames (docs/FORMAT.md), asked for with Accept */
    frames?: boolean;
    anyJson?: boolean;
    /** the answer may also be a live tail of server-sent events, asked for with Accept: text/event-stream */
    events?: boolean;
    /** a text answer of this media type instead of JSON */
    text?: string;
  };
  problems: number[];
}

/** The named schemas of components/schemas: each becomes a $ref wherever it is used. */
export function namedSchemas(limits: Limits) {
  const schemas = {
    TopicName: req.topicName,
    GroupName: req.groupName,
    MemberId: req.memberIdName,
    Encoding: req.encoding,
    Header: req.header,
    Problem: res.problem,
    CreateTopic: req.createTopicBody,
    UpdateTopic: req.updateTopicBody,
    DeleteRecords: req.deleteRecordsBody,
    RegisterProducer: req.registerProducerBody,
    Produce: req.produceBody(limits),
    FetchMany: req.fetchManyBody(limits),
    Join: req.joinBody,
    Heartbeat: req.heartbeatBody,
    CommitOffsets: req.commitBody,
    ResetOffsets: req.resetBody,
    Health: res.health,
    Ready: res.ready,
    TopicList: res.topicList,
    Topic: res.topic,
    DeleteRecordsResult: res.deleteRecordsResult,
    Producer: res.producer,
    ProduceResult: res.produceResult,
    Record: res.record,
    FetchResult: res.fetchResult,
    FetchManyResult: res.fetchManyResult,
    TopicPartition: res.topicPartition,
    JoinResult: res.joinResult,
    HeartbeatResult: res.heartbeatResult,
    GroupList: res.groupList,
    GroupDescription: res.groupDescription,
    GroupMember: res.groupMember,
    GroupOffset: res.groupOffset,
    GroupOffsets: res.groupOffsets,
    CommittedOffsets: res.committedOffsets,
    ResetResult: res.resetResult,
  } satisfies Record<string, z.ZodType>;
  return schemas;
}

export type SchemaName = keyof ReturnType<typeof namedSchemas>;

export function routes(limits: Limits): Operation[] {
  return [
    {
      method: "get",
      path: "/healthz",
      operationId: "health",
      ok: { status: 200, description: "the server is up", schema: "Health" },
      problems: [],
    },
    {
      method: "get",
      path: "/readyz",
      operationId: "ready",
      description:
        "Readiness: one ledger read and one object store listing. A 503 names the part that did not answer " +
        "(`part`: ledger or object store) and the cause in `detail`. /healthz is the liveness check.",
      ok: { status: 200, description: "the storage answers", schema: "Ready" },
      problems: [503],
    },
    {
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      description:
        "Local server only: Prometheus text format (docs/OPERATIONS.md lists every metric). Gauges that need " +
        "reads (stored bytes, consumer lag) are reused for a few seconds.",
      ok: { status: 200, description: "the metrics (text/plain; version=0.0.4)", text: "text/plain" },
      problems: [],
    },
    {
      method: "get",
      path: "/v1/openapi.json",
      operationId: "openapi",
      ok: { status: 200, description: "this document", anyJson: true },
      problems: [],
    },
    {
      method: "post",
      path: "/v1/topics",
      operationId: "createTopic",
      body: { schema: "CreateTopic" },
      ok: { status: 201, description: "created", schema: "Topic" },
      problems: [400, 409, 413, 415, 429, 503],
    },
    {
      method: "get",
      path: "/v1/topics",
      operationId: "listTopics",
      ok: { status: 200, description: "topic names", schema: "TopicList" },
      problems: [429, 503],
    },
    {
      method: "get",
      path: "/v1/topics/{topic}",
      operationId: "describeTopic",
      ok: { status: 200, description: "the topic", schema: "Topic" },
      problems: [400, 404],
    },
    {
      method: "patch",
      path: "/v1/topics/{topic}",
      operationId: "updateTopic",
      body: { schema: "UpdateTopic" },
      ok: { status: 200, description: "updated", schema: "Topic" },
      problems: [400, 404, 413],
    },
    {
      method: "delete",
      path: "/v1/topics/{topic}",
      operationId: "deleteTopic",
      ok: { status: 204, description: "deleted" },
      problems: [400, 404],
    },
    {
      method: "post",
      path: "/v1/topics/{topic}/partitions/{partition}/delete-records",
      operationId: "deleteRecords",
      description:
        "Like Kafka's AdminClient.deleteRecords: moves the partition's logStartOffset forward to beforeOffset " +
        "(-1: the highWatermark). Offsets below it become out of range at once; maintenance frees the storage later. " +
        "Never moves highWatermark; an offset at or below the current logStartOffset changes nothing.",
      body: { schema: "DeleteRecords" },
      ok: { status: 200, description: "the partition's new logStartOffset", schema: "DeleteRecordsResult" },
      problems: [400, 404, 416],
    },
    {
      method: "post",
      path: "/v1/producers",
      operationId: "registerProducer",
      description: "Registering again with the same transactionalId bumps the epoch and fences older producers.",
      body: { schema: "RegisterProducer", required: false },
      ok: { status: 201, description: "registered", schema: "Producer" },
      problems: [400],
    },
    {
      method: "post",
      path: "/v1/topics/{topic}/records",
      operationId: "produce",
      description: "Records go to their partition, their key's murmur2 partition, or a sticky one.",
      body: { schema: "Produce" },
      ok: { status: 200, description: "one entry per record, in request order", schema: "ProduceResult" },
      problems: [400, 404, 409, 413, 415, 429, 503],
    },
    {
      method: "post",
      path: "/v1/topics/{topic}/partitions/{partition}/records",
      operationId: "produceToPartition",
      description:
        "JSON records pinned to the partition, or RecordBatch v2 batches (binary). Binary idempotent produce: " +
        "producerId, producerEpoch and baseSequence as query parameters, equal to the batch header's. " +
        `A batch holds at most ${MAX_RECORDS_PER_BATCH} records and decompresses to at most ` +
        `${MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES} bytes: past either, a 400 naming body.batch[i] (with limit). ` +
        "Errors about the binary body name body paths (body.batch[i].records[j]...).",
      query: req.binaryProduceQuery,
      body: { schema: "Produce", binary: true },
      ok: { status: 200, description: "offsets", schema: "ProduceResult" },
      problems: [400, 404, 409, 413, 415, 429, 503],
    },
    {
      method: "get",
      path: "/v1/topics/{topic}/partitions/{partition}/records",
      operationId: "fetch",
      description:
        `Send Accept: ${BATCHES_MEDIA_TYPE} for batches; the bounds then come in Strata-Next-Offset, Strata-High-Watermark and Strata-Log-Start-Offset. ` +
        "Send Accept: text/event-stream for a live tail: server-sent events as records are committed, `id` the " +
        "offset and `data` the record as in the JSON answer, a `: keep-alive` comment every 15 s; a reconnect " +
        "with Last-Event-ID resumes after that offset (it wins over offset and timestamp). maxWaitMs is ignored; " +
        "the stream ends after 25 s in AWS (API Gateway's limit), never locally. An error after the stream began " +
        "is an `error` event holding the problem.",
      query: req.fetchQuery(limits, limits.maxFetchBytes),
      ok: { status: 200, description: "records from the offset", schema: "FetchResult", binary: true, events: true },
      problems: [400, 404, 416, 429, 503],
    },
    {
      method: "post",
      path: "/v1/fetch",
      operationId: "fetchMany",
      description:
        "Many partitions, one shared wait: answers as soon as any partition has records. Each topic and " +
        "partition at most once: a repeat is a 400 naming partitions[i], the second mention. " +
        `With Accept: ${BATCHES_MEDIA_TYPE} the answer is fetch frames (docs/FORMAT.md): per partition, in ` +
        "request order, a binary header (topic, partition, offset, nextOffset, highWatermark, logStartOffset; -1 " +
        "and a problem document when the partition failed) and its RecordBatch v2 batches as stored, with real " +
        `base offsets; maxBytes is then at most ${limits.maxBinaryFetchBytes} and encoding is ignored.`,
      body: { schema: "FetchMany" },
      ok: {
        status: 200,
        description: "one entry per requested partition, in request order",
        schema: "FetchManyResult",
        frames: true,
      },
      problems: [400, 413, 415, 429, 503],
    },
    ...groupRoutes(),
  ];
}

/** /v1/groups: Kafka-style consumer groups (docs/GROUPS.md). */
function groupRoutes(): Operation[] {
  return [
    {
      method: "get",
      path: "/v1/groups",
      operationId: "listGroups",
      ok: { status: 200, description: "group names", schema: "GroupList" },
      problems: [429, 503],
    },
    {
      method: "get",
      path: "/v1/groups/{group}",
      operationId: "describeGroup",
      description: "State, group epoch, live members with their assignments, and per-partition offsets with lag.",
      ok: { status: 200, description: "the group", schema: "GroupDescription" },
      problems: [400, 404, 429, 503],
    },
    {
      method: "delete",
      path: "/v1/groups/{group}",
      operationId: "deleteGroup",
      description: "Removes the group's state and commits; only while it has no live members (else 409).",
      ok: { status: 204, description: "deleted" },
      problems: [400, 404, 409, 429, 503],
    },
    {
      method: "post",
      path: "/v1/groups/{group}/members",
      operationId: "joinGroup",
      description:
        "Joins the group (creating it). A join naming a live memberId is a new incarnation of that member: new " +
        "epoch, the previous incarnation is fenced (409 on its next heartbeat or commit) and its partitions are " +
        "given out only once its lease has ended or it left with its epoch. A join retried with the same memberId " +
        "and joinId (its answer was lost) finds the same incarnation. The member may own the listed partitions " +
        "now and must heartbeat well within sessionTimeoutMs.",
      body: { schema: "Join" },
      ok: { status: 200, description: "joined", schema: "JoinResult" },
      problems: [400, 409, 413, 415, 429, 503],
    },
    {
      method: "post",
      path: "/v1/groups/{group}/members/{memberId}/heartbeat",
      operationId: "heartbeat",
      description:
        "Renews the member's lease and answers the partitions it may own now: it drops every partition not " +
        "listed. 409 with `action: rejoin` when the member is unknown (left, expired) or fenced (stale epoch).",
      body: { schema: "Heartbeat" },
      ok: { status: 200, description: "the member's assignment", schema: "HeartbeatResult" },
      problems: [400, 409, 413, 415],
    },
    {
      method: "delete",
      path: "/v1/groups/{group}/members/{memberId}",
      operationId: "leaveGroup",
      description:
        "The member's partitions are free at once. Leaving an unknown member is not an error. With memberEpoch, " +
        "only the incarnation at that epoch leaves (a fenced one frees what it may still hold; a newer " +
        "incarnation of the memberId stays).",
      query: req.leaveQuery,
      ok: { status: 204, description: "left" },
      problems: [400, 429, 503],
    },
    {
      method: "post",
      path: "/v1/groups/{group}/offsets",
      operationId: "commitOffsets",
      description:
        "All partitions or none. A member commit (memberId and memberEpoch) needs a live member at its epoch " +
        "owning every partition, else 409. A standalone commit (neither) is allowed while the group has no live " +
        "members. An offset is the next offset to read.",
      body: { schema: "CommitOffsets" },
      ok: { status: 200, description: "committed", schema: "CommittedOffsets" },
      problems: [400, 404, 409, 413, 415, 429, 503],
    },
    {
      method: "get",
      path: "/v1/groups/{group}/offsets",
      operationId: "fetchOffsets",
      description: "Every partition of every subscribed or committed topic. An unknown group has no offsets.",
      ok: { status: 200, description: "offsets", schema: "GroupOffsets" },
      problems: [400, 429, 503],
    },
    {
      method: "post",
      path: "/v1/groups/{group}/offsets/reset",
      operationId: "resetOffsets",
      description:
        "Like kafka-consumer-groups --reset-offsets; only while the group has no live members (else 409). " +
        "Default topics: those the group has commits for. An explicit offset is clamped into the partition's range.",
      body: { schema: "ResetOffsets" },
      ok: { status: 200, description: "the new offsets", schema: "ResetResult" },
      problems: [400, 404, 409, 413, 415, 429, 503],
    },
  ];
}
