/**
 * Checks a declared subscription and fills its defaults; each failure is INVALID_ARGUMENT naming the field at
 * fault (`target.url`, `topics[1]`...). The HTTP edge checks shapes with zod first; this is the domain's own rule
 * set, so the SDK-less callers (the composition root, tests, the CDK's deploy-time writer) get the same answers.
 */
import { randomBytes } from "node:crypto";
import { isValidName, NAME_RULE } from "../contract.js";
import { InvalidArgumentError } from "../errors.js";
import { isPrivateHost } from "./address.js";
import type { StartFrom, Subscription, SubscriptionSpec, Target } from "./types.js";

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 10_000;
export const MAX_BATCH_WINDOW_MS = 300_000;
export const MAX_RETRIES = 10_000;
/** Lambda's own bound for stream sources: a week. */
export const MAX_RECORD_AGE_MS = 7 * 24 * 3_600_000;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_WEBHOOK_TIMEOUT_MS = 60_000;
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]{1,129})?$/;

export interface ValidateOptions {
  /** webhook URLs on loopback or private addresses, and plain http://, are accepted (development only) */
  allowPrivateTargets: boolean;
}

export function checkSubscriptionName(name: unknown): string {
  if (!isValidName(name)) throw new InvalidArgumentError("name", `a subscription name is ${NAME_RULE}`);
  return name;
}

/** The subscription `spec` declares, defaults filled; `previous` keeps a webhook secret the new spec leaves out. */
export function checkSpec(
  name: string,
  spec: SubscriptionSpec,
  options: ValidateOptions,
  previous?: Subscription,
): Omit<Subscription, "createdAt" | "updatedAt" | "version"> {
  if (typeof spec !== "object" || spec === null) throw new InvalidArgumentError("body", "must be an object");
  if (!Array.isArray(spec.topics) || spec.topics.length === 0) {
    throw new InvalidArgumentError("topics", "at least one topic");
  }
  const topics = [...new Set(spec.topics.map((t, i) => checkName(t, `topics[${i}]`, "topic name")))].sort();
  const group = checkName(spec.group, "group", "group name");
  const deadLetterTopic =
    spec.deadLetterTopic === undefined || spec.deadLetterTopic === null
      ? null
      : checkName(spec.deadLetterTopic, "deadLetterTopic", "topic name");
  if (deadLetterTopic !== null && topics.includes(deadLetterTopic)) {
    throw new InvalidArgumentError("deadLetterTopic", "the dead-letter topic cannot be one the subscription reads");
  }
  const startFrom = spec.startFrom ?? "latest";
  if (startFrom !== "earliest" && startFrom !== "latest") {
    throw new InvalidArgumentError("startFrom", 'startFrom is "earliest" or "latest"');
  }
  const bisect = spec.bisectOnError ?? false;
  if (typeof bisect !== "boolean") throw new InvalidArgumentError("bisectOnError", "must be a boolean");
  return {
    name,
    topics,
    group,
    target: checkTarget(spec.target, options, previous),
    batchSize: int(spec.batchSize ?? DEFAULT_BATCH_SIZE, "batchSize", 1, MAX_BATCH_SIZE),
    batchWindowMs: int(spec.batchWindowMs ?? 0, "batchWindowMs", 0, MAX_BATCH_WINDOW_MS),
    maxRetries: int(spec.maxRetries ?? -1, "maxRetries", -1, MAX_RETRIES),
    maxRecordAgeMs: ageOf(spec.maxRecordAgeMs),
    bisectOnError: bisect,
    deadLetterTopic,
    startFrom: startFrom as StartFrom,
  };
}

function checkTarget(target: unknown, options: ValidateOptions, previous?: Subscription): Subscription["target"] {
  if (typeof target !== "object" || target === null) throw new InvalidArgumentError("target", "must be an object");
  const t = target as Target;
  if (t.type === "lambda") {
    if (typeof t.functionArn !== "string" || !LAMBDA_ARN.test(t.functionArn)) {
      throw new InvalidArgumentError(
        "target.functionArn",
        "a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)",
      );
    }
    return { type: "lambda", functionArn: t.functionArn };
  }
  if (t.type !== "webhook") throw new InvalidArgumentError("target.type", 'target.type is "webhook" or "lambda"');
  const url = checkUrl(t.url, options);
  const kept = previous?.target.type === "webhook" ? previous.target.secret : undefined;
  const secret = t.secret ?? kept ?? randomBytes(32).toString("hex");
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw new InvalidArgumentError(
      "target.secret",
      `a secret is ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters (leave it out to have one generated)`,
    );
  }
  const timeoutMs = int(t.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, "target.timeoutMs", 100, MAX_WEBHOOK_TIMEOUT_MS);
  return { type: "webhook", url, secret, timeoutMs };
}

function checkUrl(raw: unknown, options: ValidateOptions): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new InvalidArgumentError("target.url", "target.url is not a URL");
  }
  if (typeof raw !== "string" || raw.length > 2048)
    throw new InvalidArgumentError("target.url", "at most 2048 characters");
  if (url.username || url.password)
    throw new InvalidArgumentError("target.url", "credentials in the URL are refused; sign with the secret");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && options.allowPrivateTargets)) {
    throw new InvalidArgumentError(
      "target.url",
      "a webhook URL is https:// (http:// only where private targets are allowed)",
    );
  }
  if (!options.allowPrivateTargets && isPrivateHost(url.hostname)) {
    throw new InvalidArgumentError(
      "target.url",
      `${url.hostname} is a loopback or private address; allow private targets in the server's configuration to use it`,
    );
  }
  return url.toString();
}

function checkName(value: unknown, field: string, what: string): string {
  if (!isValidName(value)) throw new InvalidArgumentError(field, `a ${what} is ${NAME_RULE}`);
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `${field} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function ageOf(value: unknown): number {
  if (value === undefined || value === -1) return -1;
  return int(value, "maxRecordAgeMs", 1_000, MAX_RECORD_AGE_MS);
}
