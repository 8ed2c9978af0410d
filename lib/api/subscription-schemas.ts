/**
 * The /v1/subscriptions shapes (zod): the declaration a PUT carries, and the answers. Strict objects, as every
 * request shape (schemas.ts): an unknown member is a 400 naming it. The domain (lib/subscriptions/validate.ts)
 * checks the rest (URL scheme and address, ARN form) and fills defaults.
 */
import { z } from "zod";
import {
  MAX_BATCH_SIZE,
  MAX_BATCH_WINDOW_MS,
  MAX_RECORD_AGE_MS,
  MAX_RETRIES,
  MAX_SECRET_LENGTH,
  MAX_WEBHOOK_TIMEOUT_MS,
  MIN_SECRET_LENGTH,
} from "../subscriptions/validate.js";
import { groupOffset } from "./responses.js";
import { groupName, nonNegative, topicName } from "./schemas.js";

export const subscriptionName = topicName.describe("subscription name: 1 to 249 characters of [a-zA-Z0-9._-]");

const webhook = z.strictObject({
  type: z.literal("webhook"),
  url: z.string().max(2048).describe("https:// (http:// and private addresses only where the server allows them)"),
  secret: z
    .string()
    .min(MIN_SECRET_LENGTH)
    .max(MAX_SECRET_LENGTH)
    .optional()
    .describe("HMAC-SHA256 key of the strata-signature header; generated when left out (a replacement keeps the old)"),
  timeoutMs: z.number().int().min(100).max(MAX_WEBHOOK_TIMEOUT_MS).optional().describe("default 10000"),
});
const lambda = z.strictObject({
  type: z.literal("lambda"),
  functionArn: z.string().max(400).describe("arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"),
});

export const subscriptionBody = z.strictObject({
  topics: z.array(topicName).min(1).max(100),
  group: groupName.describe("the group recording progress: the subscription's own, without live members"),
  target: z.discriminatedUnion("type", [webhook, lambda]),
  batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).optional().describe("default 100"),
  batchWindowMs: z.number().int().min(0).max(MAX_BATCH_WINDOW_MS).optional().describe("default 0"),
  maxRetries: z.number().int().min(-1).max(MAX_RETRIES).optional().describe("-1 (default): until success"),
  maxRecordAgeMs: z
    .union([z.literal(-1), z.number().int().min(1_000).max(MAX_RECORD_AGE_MS)])
    .optional()
    .describe("-1 (default): no limit"),
  bisectOnError: z.boolean().optional().describe("default false"),
  deadLetterTopic: topicName.optional(),
  startFrom: z.enum(["earliest", "latest"]).optional().describe("default latest"),
});

const storedTarget = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("webhook"),
    url: z.string(),
    secret: z.string().optional().describe("only in the answer of the PUT that set it"),
    timeoutMs: nonNegative,
  }),
  lambda,
]);

export const subscription = z.strictObject({
  name: subscriptionName,
  topics: z.array(topicName),
  group: groupName,
  target: storedTarget,
  batchSize: nonNegative,
  batchWindowMs: nonNegative,
  maxRetries: z.number().int().min(-1),
  maxRecordAgeMs: z.number().int().min(-1),
  bisectOnError: z.boolean(),
  deadLetterTopic: topicName.nullable(),
  startFrom: z.enum(["earliest", "latest"]),
  createdAt: nonNegative,
  updatedAt: nonNegative,
  version: nonNegative,
});

export const subscriptionList = z.strictObject({ subscriptions: z.array(subscription) });
export const subscriptionStatus = z.strictObject({
  subscription,
  offsets: z.array(groupOffset).describe("the group's progress and lag per partition of the subscribed topics"),
});
