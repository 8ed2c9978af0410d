/**
 * Answer shapes (zod): what each route sends back as JSON. They are not parsed on the way out; they exist so the
 * OpenAPI document (openapi.ts) is generated from them, and a test checks real answers against that document.
 */
import { z } from "zod";
import { bytes, groupName, header, memberIdName, nonNegative, topicName } from "./schemas.js";

/** RFC 9457 problem+json; errors add their own members (field, limit, logStartOffset...), so it stays open. */
export const problem = z.looseObject({
  type: z.string().meta({ format: "uri-reference" }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  field: z.string().optional().describe("validation errors: the member at fault, e.g. records[2].value"),
  action: z
    .string()
    .optional()
    .describe("what the client must do next; `rejoin` for an unknown or fenced group member"),
  logStartOffset: nonNegative.optional(),
  highWatermark: nonNegative.optional(),
});

export const topicList = z.strictObject({ topics: z.array(topicName) });

export const topic = z.strictObject({
  name: topicName,
  id: z.string().describe("unique per creation: a re-created topic gets a new id"),
  partitions: z.array(
    z.strictObject({ partition: nonNegative, logStartOffset: nonNegative, highWatermark: nonNegative }),
  ),
  config: z.record(z.string(), z.string()).describe("every effective config key (defaults included)"),
});

export const deleteRecordsResult = z.strictObject({ partition: nonNegative, lowWatermark: nonNegative });

export const producer = z.strictObject({ producerId: nonNegative, producerEpoch: nonNegative });

export const produceResult = z.strictObject({
  offsets: z
    .array(z.strictObject({ partition: nonNegative, offset: nonNegative.optional(), error: problem.optional() }))
    .describe("one entry per record, in request order"),
  failed: nonNegative,
});

export const record = z.strictObject({
  offset: nonNegative,
  timestamp: nonNegative,
  key: bytes,
  value: bytes,
  headers: z.array(header),
  base64: z
    .array(z.string())
    .optional()
    .describe("with encoding=utf8: the fields (key, value, headers[i]) sent as base64 because they are not UTF-8"),
});

const fetchFields = {
  records: z.array(record),
  nextOffset: nonNegative,
  highWatermark: nonNegative,
  logStartOffset: nonNegative,
};
export const fetchResult = z.strictObject(fetchFields);

export const fetchManyResult = z.strictObject({
  partitions: z
    .array(
      z.union([
        z.strictObject({ topic: topicName, partition: nonNegative, ...fetchFields }),
        z.strictObject({ topic: topicName, partition: nonNegative, error: problem }),
      ]),
    )
    .describe("one entry per requested partition, in request order"),
});

export const topicPartition = z.strictObject({ topic: topicName, partition: nonNegative });
const partitions = z.array(topicPartition);

export const joinResult = z.strictObject({
  memberId: memberIdName,
  memberEpoch: nonNegative,
  assignments: partitions.describe("the partitions the member may own now"),
  sessionTimeoutMs: nonNegative.describe(
    "the lease; the member keeps its partitions only until 2/3 of it after it sent its last successful heartbeat",
  ),
});

export const heartbeatResult = z.strictObject({
  memberEpoch: nonNegative,
  assignments: partitions.describe("drop every partition not listed"),
});

export const groupOffset = z.strictObject({
  topic: topicName,
  partition: nonNegative,
  offset: nonNegative.nullable().describe("committed next offset to read; null when none"),
  metadata: z.string().nullable(),
  highWatermark: nonNegative,
  lag: nonNegative.nullable().describe("highWatermark - offset; null when nothing is committed"),
});

export const groupMember = z.strictObject({
  memberId: memberIdName,
  memberEpoch: nonNegative,
  topics: z.array(topicName),
  sessionTimeoutMs: nonNegative,
  assignments: partitions,
  revoking: partitions.describe("taken away, not yet confirmed released"),
  target: partitions.describe("what the assignor wants the member to own once all has moved"),
  leaseExpiresAt: nonNegative.describe("server time, ms since the epoch"),
});

export const groupDescription = z.strictObject({
  group: groupName,
  state: z.enum(["Empty", "Reconciling", "Stable"]),
  groupEpoch: nonNegative,
  members: z.array(groupMember),
  offsets: z.array(groupOffset),
});

export const groupList = z.strictObject({ groups: z.array(groupName) });
export const groupOffsets = z.strictObject({ offsets: z.array(groupOffset) });
export const committedOffsets = z.strictObject({
  offsets: z.array(z.strictObject({ ...topicPartition.shape, offset: nonNegative, metadata: z.string() })),
});
export const resetResult = z.strictObject({
  offsets: z.array(z.strictObject({ ...topicPartition.shape, offset: nonNegative })),
});
export const health = z.strictObject({ status: z.literal("ok") });
export const ready = z.strictObject({ status: z.literal("ready") });
