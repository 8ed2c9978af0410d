/**
 * Request shapes (zod). Strict objects: an unknown member is a 400 naming it, so a typo such as
 * "partiton" is caught instead of silently ignored. Numbers are safe integers; bytes arrive as strings
 * and are decoded in codec.ts once the request's encoding is known.
 */
import { z } from "zod";
import { MAX_PARTITIONS, NAME_MAX_LENGTH, NAME_PATTERN, NAME_RULE } from "../contract.js";
import { InvalidArgumentError } from "../errors.js";
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_COMMIT_PARTITIONS,
  MAX_METADATA_LENGTH,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
} from "../groups/coordinator.js";
import type { ResetTarget } from "../groups/types.js";
import type { Limits } from "./limits.js";

/** A name (topic, group, member id): the pattern in the document, "." and ".." refused by a refinement. */
const safeName = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, `a ${what} is 1 to ${NAME_MAX_LENGTH} characters of [a-zA-Z0-9._-]`)
    .refine((n) => n !== "." && n !== "..", `a ${what} cannot be '.' or '..'`)
    .meta({ not: { enum: [".", ".."] }, description: `${what}: ${NAME_RULE}` });

export const topicName = safeName("topic name");

export const nonNegative = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const partitionCount = z.number().int().min(1).max(MAX_PARTITIONS);
export const encoding = z.enum(["utf8", "base64"]).describe("utf8 (default) or base64");
export type Encoding = z.infer<typeof encoding>;
const configValue = z.union([z.string(), z.number()]);

export const createTopicBody = z.strictObject({
  name: topicName,
  partitions: partitionCount.default(1),
  config: z
    .record(z.string(), configValue)
    .optional()
    .describe("Kafka topic config keys; values are strings (numbers accepted for numeric keys)"),
});

export const updateTopicBody = z.strictObject({
  partitions: partitionCount.optional().describe("may only grow"),
  config: z
    .record(z.string(), z.union([configValue, z.null()]))
    .optional()
    .describe("null resets a key to its default"),
});

/** Kafka's AdminClient.deleteRecords: -1 means the highWatermark. */
export const deleteRecordsBody = z.strictObject({
  beforeOffset: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
});

export const registerProducerBody = z.strictObject({
  transactionalId: z.string().min(1).max(NAME_MAX_LENGTH).optional(),
});

/** Record bytes as JSON: text, or base64 per the encoding; shared by requests and answers (responses.ts). */
export const bytes = z
  .string()
  .nullable()
  .describe("UTF-8 text, or base64 when encoding is base64 (or when listed in a fetched record's base64)");
export const header = z.strictObject({ name: z.string(), value: bytes });

const produceRecord = z.strictObject({
  key: bytes.optional(),
  value: bytes.describe("null is a tombstone"),
  headers: z.array(header).optional(),
  partition: nonNegative.optional(),
  timestamp: nonNegative.optional().describe("ms since the epoch; default now"),
});

export const produceBody = (limits: Limits) =>
  z.strictObject({
    records: z.array(produceRecord).min(1).max(limits.maxRecordsPerRequest),
    encoding: encoding.default("utf8"),
    producerId: nonNegative.optional(),
    producerEpoch: nonNegative.optional(),
    /** partition (as a decimal string, JSON keys are strings) -> sequence of that partition's first record */
    baseSequences: z
      .record(z.string().regex(/^\d+$/, "a partition number"), nonNegative)
      .optional()
      .describe("partition -> sequence number of that partition's first record in this request"),
  });
export type ProduceBody = z.infer<ReturnType<typeof produceBody>>;

/** A query parameter's integer: past 2^53-1 it would be rounded (...993 read as ...992), so it is refused. */
const decimal = (name: string) =>
  z
    .string()
    .regex(/^\d{1,16}$/, `${name} is a non-negative integer`)
    .refine((s) => Number.isSafeInteger(Number(s)), `${name} is past 2^53-1 (${Number.MAX_SAFE_INTEGER})`)
    .transform(Number)
    .pipe(nonNegative); // always passes; it gives the document the parameter's integer type
const boundedQueryInt = (name: string, min: number, max: number) =>
  decimal(name).pipe(z.number().int().min(min).max(max));

export const fetchQuery = (limits: Limits, maxBytes: number) =>
  z.strictObject({
    offset: z
      .union([z.enum(["earliest", "latest"]), decimal("offset")])
      .optional()
      .describe("start offset"),
    timestamp: decimal("timestamp").optional().describe("instead of offset: first record at or after this time (ms)"),
    maxRecords: boundedQueryInt("maxRecords", 1, limits.maxFetchRecords).optional().describe("default 500"),
    maxBytes: boundedQueryInt("maxBytes", 1, maxBytes)
      .optional()
      .describe(`record bytes; JSON at most ${limits.maxFetchBytes}, binary at most ${limits.maxBinaryFetchBytes}`),
    maxWaitMs: boundedQueryInt("maxWaitMs", 0, limits.maxWaitMs).optional().describe("long poll: wait for a record"),
    encoding: encoding.default("utf8"),
  });

export const fetchManyBody = (limits: Limits, maxBytes = limits.maxFetchBytes) =>
  z.strictObject({
    partitions: z
      .array(
        z.strictObject({
          topic: topicName,
          partition: nonNegative,
          offset: z
            .union([nonNegative, z.enum(["earliest", "latest"])])
            .optional()
            .describe("where to start; give offset or timestamp"),
          timestamp: nonNegative.optional().describe("instead of offset: first record at or after this time (ms)"),
        }),
      )
      .min(1)
      .max(limits.maxFetchPartitions),
    maxWaitMs: z.number().int().min(0).max(limits.maxWaitMs).optional(),
    maxBytes: z.number().int().min(1).max(maxBytes).optional(),
    maxRecords: z.number().int().min(1).max(limits.maxFetchRecords).optional().describe("per partition"),
    encoding: encoding.default("utf8"),
  });

const idempotent = "binary idempotent produce: equal to the batch header's";
export const binaryProduceQuery = z.strictObject({
  producerId: decimal("producerId").optional().describe(idempotent),
  producerEpoch: decimal("producerEpoch").optional().describe(idempotent),
  baseSequence: decimal("baseSequence").optional().describe(idempotent),
});

/**
 * Group names and member ids are URL path segments and ledger keys. Kafka allows almost any string for a
 * group; Strata keeps Kafka's topic-name rule for both (1-249 of [a-zA-Z0-9._-]), which needs no escaping
 * anywhere, and refuses "." and "..", which URL clients resolve as path steps before sending.
 */
export const groupName = safeName("group name");
export const memberIdName = safeName("memberId");

/** Bounds one subscription; a larger one would also crowd the group's one state item (docs/GROUPS.md). */
export const MAX_SUBSCRIBED_TOPICS = 1_000;

const topicPartition = z.strictObject({ topic: topicName, partition: nonNegative });

export const joinBody = z.strictObject({
  topics: z.array(topicName).min(1).max(MAX_SUBSCRIBED_TOPICS),
  sessionTimeoutMs: z
    .number()
    .int()
    .min(MIN_SESSION_TIMEOUT_MS)
    .max(MAX_SESSION_TIMEOUT_MS)
    .optional()
    .describe(`default ${DEFAULT_SESSION_TIMEOUT_MS}`),
  memberId: memberIdName.optional().describe("optional, client-chosen; a live one is replaced (fenced)"),
  joinId: safeName("joinId").optional().describe("optional, client-chosen per join and repeated on its retries"),
});

/** DELETE of a member: `?memberEpoch=` makes only that incarnation leave (docs/GROUPS.md). */
export const leaveQuery = z.strictObject({
  memberEpoch: decimal("memberEpoch").optional().describe("the leaving incarnation's epoch"),
});

export const heartbeatBody = z.strictObject({
  memberEpoch: nonNegative,
  owned: z.array(topicPartition),
});

/** A member commit names both memberId and memberEpoch; a standalone commit (assign() mode) names neither. */
export const commitBody = z
  .strictObject({
    memberId: memberIdName.optional(),
    memberEpoch: nonNegative.optional(),
    offsets: z
      .array(
        z.strictObject({
          topic: topicName,
          partition: nonNegative,
          offset: nonNegative,
          metadata: z.string().max(MAX_METADATA_LENGTH).optional(),
        }),
      )
      .min(1)
      .max(MAX_COMMIT_PARTITIONS),
  })
  .superRefine((body, ctx) => {
    if (body.memberId !== undefined && body.memberEpoch === undefined) {
      ctx.addIssue({ code: "custom", path: ["memberEpoch"], message: "required with a memberId" });
    } else if (body.memberId === undefined && body.memberEpoch !== undefined) {
      ctx.addIssue({ code: "custom", path: ["memberId"], message: "required with a memberEpoch" });
    }
  });

const RESET_TARGETS = 'must be "earliest", "latest", {"timestamp": ms} or {"offset": n}';
const resetName = z.enum(["earliest", "latest"], { error: RESET_TARGETS });
/** `{timestamp}` or `{offset}`: one object with exactly one of the two. */
const resetPoint = z
  .strictObject({ timestamp: nonNegative.optional(), offset: nonNegative.optional() })
  .refine((p) => (p.timestamp === undefined) !== (p.offset === undefined), "exactly one of timestamp or offset");

/**
 * `to` is picked by its JSON type rather than with z.union, whose failure names only `to`: this way a bad
 * `to.offset` is reported as `to.offset`.
 */
export const resetTarget = z.union([resetName, resetPoint]);
/** Documented as resetTarget (openapi.ts substitutes it); parsed by hand below. */
export const resetTo = z.unknown().describe(RESET_TARGETS);
export const resetBody = z
  .strictObject({ to: resetTo, topics: z.array(topicName).min(1).optional() })
  .transform((body, ctx) => {
    const schema = typeof body.to === "object" && body.to !== null && !Array.isArray(body.to) ? resetPoint : resetName;
    const result = schema.safeParse(body.to);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ["to", ...issue.path] } as never);
      return z.NEVER;
    }
    const to = result.data as ResetTarget;
    return body.topics === undefined ? { to } : { to, topics: body.topics };
  });

/** zod path -> "records[2].value" */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Parse or throw an InvalidArgumentError naming the first field at fault (prefixed, e.g. by "query"). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, root = ""): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path: PropertyKey[] = [...issue.path];
  if (issue.code === "unrecognized_keys") path = [...path, issue.keys[0]!];
  const field = fieldPath(path) || root || "body";
  const message = issue.code === "unrecognized_keys" ? `unknown member "${issue.keys[0]}"` : issue.message;
  throw new InvalidArgumentError(field, `${field}: ${message}`);
}
