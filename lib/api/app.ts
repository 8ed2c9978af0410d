/**
 * The one HTTP app. Served by @hono/node-server locally (lib/server) and by Hono's Lambda adapter in AWS
 * (functions/api.ts), so what the tests exercise locally is what runs in Lambda. Each route parses (zod),
 * calls the LogService or the group coordinator (groups.ts) and maps the answer; every error goes through
 * problem.ts.
 */
import { type Context, Hono } from "hono";
import { consoleRoutes } from "../console/serve.js";
import { BATCHES_MEDIA_TYPE, BOUND_HEADERS } from "../contract.js";
import { InvalidArgumentError, isStrataError } from "../errors.js";
import type { LogService } from "../log/service.js";
import type { Metrics } from "../metrics/metrics.js";
import { NotReadyError } from "../storage/ready.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { parseJson, readBody } from "./body.js";
import {
  type AnswerPart,
  answerBytes,
  envelopeSize,
  type FetchJson,
  fetchAnswerText,
  fetchResultToText,
  fetchStart,
  produceResultToJson,
  type RecordText,
  toProduceRecords,
  toProducerIdentity,
  trimToBudget,
} from "./convert.js";
import { fetchFramesBody } from "./fetch-frames.js";
import { atField, inRequest } from "./fields.js";
import { type GroupService, groupRoutes } from "./groups.js";
import { type GuardOptions, installGuard } from "./guard.js";
import { type Limits, resolveLimits } from "./limits.js";
import { openApiDocument } from "./openapi.js";
import { edgeKinds, errorResponse, problemFromError, problemOf, problemResponse } from "./problem.js";
import { installRequestLog, noteErrorCode, requestLogger } from "./request-log.js";
import {
  binaryProduceQuery,
  createTopicBody,
  deleteRecordsBody,
  fetchManyBody,
  fetchQuery,
  parse,
  produceBody,
  registerProducerBody,
  topicName,
  updateTopicBody,
} from "./schemas.js";
import { EVENT_STREAM, resumeOffset, type TailOptions, tail } from "./tail.js";

// Stated in lib/contract.ts (shared with the domain and the client); re-exported for the edge's users.
export { BATCHES_MEDIA_TYPE, BOUND_HEADERS } from "../contract.js";
export type { GroupService } from "./groups.js";

export interface RecordsAdmin {
  deleteRecords(
    topic: string,
    partition: number,
    beforeOffset: number,
  ): Promise<{ partition: number; lowWatermark: number }>;
}

export interface AppDeps {
  log: LogService;
  /** the consumer-group coordinator behind /v1/groups (lib/groups), over the same ledger as the log */
  groups: GroupService;
  /** Kafka's deleteRecords (lib/maintenance): moves a partition's logStartOffset forward */
  records: RecordsAdmin;
  limits?: Partial<Limits>;
  /** Host, Origin and CORS rules (guard.ts); without it, cross-origin writes are still refused, Host is not checked */
  guard?: GuardOptions;
  /** one line per request (request-log.ts) and every server fault; default: nothing logged */
  logger?: Logger;
  /** where request counts and durations go (HttpRequests, HttpRequestDuration); default nowhere */
  metrics?: Metrics;
  /** the live tail (tail.ts): keep-alive interval and longest stream; default 15 s, unbounded */
  tail?: TailOptions;
  /** GET /readyz: resolves when the storage answers, rejects with the cause (lib/storage/ready.ts); default: always ready */
  ready?: () => Promise<void>;
}

/**
 * @example
 * const log = createLog({ ledger, store });
 * const app = createApp({ log, groups: new GroupCoordinator({ ledger, topics: log, clock: systemClock }) });
 */
export function createApp(deps: AppDeps): Hono {
  const { log, groups, records } = deps;
  const limits = resolveLimits(deps.limits);
  const app = new Hono();
  const logger = deps.logger ?? silentLogger;
  // first: the guard's refusals are requests too
  installRequestLog(app, logger, deps.metrics);
  installGuard(app, deps.guard);
  /** A 5xx is the server's own fault: logged with the error (its code, cause and stack), wherever it is answered. */
  const logServerFault = (c: Context, status: number, error: unknown) => {
    if (status >= 500) requestLogger(c, logger).error({ code: errorCode(error), err: error }, "request failed");
  };
  const produceSchema = produceBody(limits);
  const fetchManySchema = fetchManyBody(limits);
  const binaryFetchManySchema = fetchManyBody(limits, limits.maxBinaryFetchBytes);
  const jsonFetchQuery = fetchQuery(limits, limits.maxFetchBytes);
  const binaryFetchQuery = fetchQuery(limits, limits.maxBinaryFetchBytes);

  /**
   * The body as JSON, under the size limit. It must say application/json (or a +json type): anything else, and
   * no type at all (what a browser's no-cors fetch or sendBeacon sends, without a preflight), is a 415. Only an
   * empty body where the route takes one (`emptyAs`) may come without a type: there is nothing to interpret.
   */
  const jsonBody = async (c: Context, emptyAs?: unknown) => {
    const type = mediaType(c.req.header("content-type"));
    if (type === undefined && emptyAs === undefined) throw new UnsupportedMedia(undefined);
    if (type !== undefined && type !== "application/json" && !type.endsWith("+json"))
      throw new UnsupportedMedia(type, "a JSON body needs application/json");
    const bytes = await readBody(c.req.raw, limits.maxRequestBytes);
    if (type === undefined && bytes.byteLength > 0) throw new UnsupportedMedia(undefined);
    return parseJson(bytes, emptyAs);
  };
  const topicParam = (c: Context) => parse(topicName, c.req.param("topic"), "topic");
  const partitionParam = (c: Context) => {
    const raw = c.req.param("partition") ?? "";
    if (!/^\d{1,9}$/.test(raw)) throw new InvalidArgumentError("partition", "partition: a non-negative integer");
    return Number(raw);
  };

  // A parameter given twice (?offset=1&offset=9) has no single meaning: refuse it rather than pick one.
  app.use(async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (values.length > 1)
        throw new InvalidArgumentError(name, `${name}: given ${values.length} times; give it once`);
    }
    await next();
  });

  // Liveness: the process answers. Readiness: the storage answers too (one ledger read, one object listing).
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await deps.ready?.();
    } catch (e) {
      noteErrorCode(c, edgeKinds.notReady.slug);
      requestLogger(c, logger).warn({ err: e }, "not ready");
      const part = e instanceof NotReadyError ? { part: e.part } : {};
      const detail = e instanceof Error ? e.message : String(e);
      return problemResponse(problemOf(edgeKinds.notReady, detail, part), { "retry-after": "1" });
    }
    return c.json({ status: "ready" });
  });
  // Generated on first request (zod -> JSON Schema costs tens of ms), not at start-up, then kept.
  let openapi: ReturnType<typeof openApiDocument> | undefined;
  app.get("/v1/openapi.json", (c) => {
    openapi ??= openApiDocument(limits);
    return c.json(openapi);
  });

  app.post("/v1/topics", async (c) => {
    const body = parse(createTopicBody, await jsonBody(c));
    return c.json(await log.createTopic(body.name, body.partitions, body.config), 201);
  });
  app.get("/v1/topics", async (c) => c.json({ topics: await log.listTopics() }));
  app.get("/v1/topics/:topic", async (c) => c.json(await log.describeTopic(topicParam(c))));
  app.patch("/v1/topics/:topic", async (c) => {
    const topic = topicParam(c);
    return c.json(await log.updateTopic(topic, parse(updateTopicBody, await jsonBody(c))));
  });
  app.delete("/v1/topics/:topic", async (c) => {
    await log.deleteTopic(topicParam(c));
    return c.body(null, 204);
  });

  app.post("/v1/topics/:topic/partitions/:partition/delete-records", async (c) => {
    const topic = topicParam(c);
    const partition = partitionParam(c);
    const body = parse(deleteRecordsBody, await jsonBody(c));
    return c.json(await records.deleteRecords(topic, partition, body.beforeOffset));
  });

  app.post("/v1/producers", async (c) => {
    const body = parse(registerProducerBody, await jsonBody(c, {}));
    return c.json(await log.registerProducer(body.transactionalId), 201);
  });

  const produceJson = async (c: Context, topic: string, partition?: number) => {
    const body = parse(produceSchema, await jsonBody(c));
    const records = toProduceRecords(body, partition);
    const producer = toProducerIdentity(body, records);
    const result = await inRequest("records", () => log.produce(topic, records, producer));
    return c.json(produceResultToJson(result));
  };
  app.post("/v1/topics/:topic/records", async (c) => {
    const topic = topicParam(c);
    if (mediaType(c.req.header("content-type")) === BATCHES_MEDIA_TYPE) {
      throw new UnsupportedMedia(
        BATCHES_MEDIA_TYPE,
        "POST batches to /v1/topics/{topic}/partitions/{partition}/records",
      );
    }
    return produceJson(c, topic);
  });
  app.post("/v1/topics/:topic/partitions/:partition/records", async (c) => {
    const topic = topicParam(c);
    const partition = partitionParam(c);
    if (mediaType(c.req.header("content-type")) !== BATCHES_MEDIA_TYPE) return produceJson(c, topic, partition);
    const q = parse(binaryProduceQuery, c.req.query(), "query");
    const bytes = await readBody(c.req.raw, limits.maxRequestBytes);
    if (bytes.byteLength === 0) throw new InvalidArgumentError("body", "body: no batches");
    const producer = binaryProducer(q, partition);
    // the body is this request's own: handed over, not copied
    const result = await inRequest("body", () =>
      log.produceBatches(topic, [{ partition, bytes }], producer, { transfer: true }),
    );
    return c.json(produceResultToJson(result));
  });

  app.get("/v1/topics/:topic/partitions/:partition/records", async (c) => {
    const topic = topicParam(c);
    const partition = partitionParam(c);
    const binary = acceptsBatches(c.req.header("accept"));
    const q = parse(binary ? binaryFetchQuery : jsonFetchQuery, c.req.query(), "query");
    if (!binary && accepts(c.req.header("accept"), EVENT_STREAM)) {
      const resume = resumeOffset(c.req.header("last-event-id"));
      const start = resume ?? fetchStart(q.offset, q.timestamp);
      const maxBytes = q.maxBytes ?? limits.maxFetchBytes;
      const request = { topic, partition, start, maxRecords: q.maxRecords, maxBytes, encoding: q.encoding };
      return tail(c, log, request, deps.tail ?? {});
    }
    const options = {
      offset: fetchStart(q.offset, q.timestamp),
      maxRecords: q.maxRecords,
      maxBytes: q.maxBytes ?? (binary ? limits.maxBinaryFetchBytes : limits.maxFetchBytes),
      maxWaitMs: q.maxWaitMs,
    };
    if (binary) {
      const r = await log.fetchBatches(topic, partition, options);
      return c.body(r.bytes as Uint8Array<ArrayBuffer>, 200, {
        "content-type": BATCHES_MEDIA_TYPE,
        [BOUND_HEADERS.nextOffset]: String(r.nextOffset),
        [BOUND_HEADERS.highWatermark]: String(r.highWatermark),
        [BOUND_HEADERS.logStartOffset]: String(r.logStartOffset),
      });
    }
    const answer = fetchResultToText(await log.fetch(topic, partition, options), q.encoding);
    trimToBudget([answer], limits.maxResponseBytes);
    return c.body(answerBytes(fetchAnswerText(answer)) as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/json",
    });
  });

  app.post("/v1/fetch", async (c) => {
    const binary = acceptsBatches(c.req.header("accept"));
    const body = parse(binary ? binaryFetchManySchema : fetchManySchema, await jsonBody(c));
    const requests = body.partitions.map((p, i) => ({
      topic: p.topic,
      partition: p.partition,
      offset: atField(`partitions[${i}]`, () => fetchStart(p.offset, p.timestamp)),
    }));
    if (binary) {
      const answers = await log.fetchManyBatches(requests, {
        maxBytes: body.maxBytes ?? limits.maxBinaryFetchBytes,
        maxWaitMs: body.maxWaitMs,
        maxRecordsPerPartition: body.maxRecords,
      });
      const frames = fetchFramesBody(answers, (status, error) => logServerFault(c, status, error));
      return c.body(frames as Uint8Array<ArrayBuffer>, 200, { "content-type": BATCHES_MEDIA_TYPE });
    }
    const results = await log.fetchMany(requests, {
      maxBytes: body.maxBytes ?? limits.maxFetchBytes,
      maxWaitMs: body.maxWaitMs,
      maxRecordsPerPartition: body.maxRecords,
    });
    const ok: FetchJson<RecordText>[] = [];
    const partitions = results.map(({ topic, partition, ...r }) => {
      if ("error" in r) {
        const error = problemFromError(r.error);
        logServerFault(c, error.status, r.error);
        return { topic, partition, error };
      }
      // One object, sent as it is: trimming below must move the nextOffset the client reads.
      const json = Object.assign({ topic, partition }, fetchResultToText(r, body.encoding));
      ok.push(json);
      return json;
    });
    trimToBudget(ok, limits.maxResponseBytes, envelopeSize(partitions));
    const parts: AnswerPart[] = ['{"partitions":['];
    partitions.forEach((p, i) => {
      if (i > 0) parts.push(",");
      if ("error" in p) parts.push(JSON.stringify(p));
      else parts.push(...fetchAnswerText(p));
    });
    parts.push("]}");
    return c.body(answerBytes(parts) as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/json" });
  });

  groupRoutes(app, groups, (c) => jsonBody(c));
  consoleRoutes(app);

  app.notFound((c) => {
    noteErrorCode(c, edgeKinds.notFound.slug);
    return problemResponse(problemOf(edgeKinds.notFound, `no route for ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => {
    if (error instanceof UnsupportedMedia) {
      noteErrorCode(c, edgeKinds.unsupportedMediaType.slug);
      return problemResponse(problemOf(edgeKinds.unsupportedMediaType, error.message, { field: "content-type" }));
    }
    noteErrorCode(c, errorCode(error));
    const response = errorResponse(error);
    logServerFault(c, response.status, error);
    return response;
  });
  return app;
}

const errorCode = (error: unknown) => (isStrataError(error) ? error.code : "INTERNAL");

class UnsupportedMedia extends Error {
  /** `type` undefined: the request has no Content-Type */
  constructor(type: string | undefined, hint?: string) {
    super(
      type === undefined
        ? "a JSON body needs content-type application/json; the request has none"
        : `unsupported content type ${type}${hint ? `: ${hint}` : ""}`,
    );
  }
}

const mediaType = (header: string | undefined) => header?.split(";")[0]?.trim().toLowerCase() || undefined;

const accepts = (accept: string | undefined, type: string) =>
  (accept ?? "").split(",").some((part) => mediaType(part) === type);

const acceptsBatches = (accept: string | undefined) => accepts(accept, BATCHES_MEDIA_TYPE);

function binaryProducer(q: { producerId?: number; producerEpoch?: number; baseSequence?: number }, partition: number) {
  const { producerId, producerEpoch, baseSequence } = q;
  if (producerId === undefined && producerEpoch === undefined && baseSequence === undefined) return undefined;
  for (const [name, v] of Object.entries({ producerId, producerEpoch, baseSequence })) {
    if (v === undefined) throw new InvalidArgumentError(name, `${name}: required for an idempotent produce`);
  }
  return { producerId: producerId!, producerEpoch: producerEpoch!, baseSequences: { [partition]: baseSequence! } };
}
