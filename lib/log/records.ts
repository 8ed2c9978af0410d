/**
 * Record validation shared by the JSON and binary produce paths: the same rules whichever way bytes arrive.
 */
import { InvalidArgumentError, type Location, StrataError } from "../errors.js";
import type { RecordInput } from "../format/types.js";
import { numericConfig } from "./config.js";
import type { TopicRecord } from "./entries.js";

const zigzagSize = (v: number): number => {
  let zz = v < 0 ? -2 * v - 1 : 2 * v;
  let n = 1;
  while (zz >= 128) {
    zz = Math.floor(zz / 128);
    n++;
  }
  return n;
};

const utf8 = new TextEncoder();

/** The exact encoded size of one record in a RecordBatch v2 (length prefix included). */
export function recordEncodedSize(r: RecordInput, offsetDelta: number, timestampDelta: number): number {
  let body = 1 + zigzagSize(timestampDelta) + zigzagSize(offsetDelta);
  body += r.key ? zigzagSize(r.key.length) + r.key.length : 1;
  body += r.value ? zigzagSize(r.value.length) + r.value.length : 1;
  body += zigzagSize(r.headers.length);
  for (const h of r.headers) {
    const name = utf8.encode(h.name).length;
    body += zigzagSize(name) + name;
    body += h.value ? zigzagSize(h.value.length) + h.value.length : 1;
  }
  return zigzagSize(body) + body;
}

export interface TopicRules {
  compacted: boolean;
  maxRecordBytes: number;
  logAppendTime: boolean;
  beforeMaxMs: number;
  afterMaxMs: number;
}

export function topicRules(topic: TopicRecord): TopicRules {
  const c = topic.config;
  return {
    compacted: (c["cleanup.policy"] ?? "delete").includes("compact"),
    maxRecordBytes: numericConfig(c, "max.message.bytes"),
    logAppendTime: c["message.timestamp.type"] === "LogAppendTime",
    beforeMaxMs: numericConfig(c, "message.timestamp.before.max.ms"),
    afterMaxMs: numericConfig(c, "message.timestamp.after.max.ms"),
  };
}

/** Throws an error located `at` the record when it breaks one of the topic's rules. */
export function checkRecord(rules: TopicRules, r: RecordInput, size: number, now: number, at: Location): void {
  checkRecordFields(rules, r.key === null, r.timestamp, size, now, at);
}

/** checkRecord on a record's parts, for callers that never build the record (the binary produce path). */
export function checkRecordFields(
  rules: TopicRules,
  keyIsNull: boolean,
  timestamp: number,
  size: number,
  now: number,
  at: Location,
): void {
  if (rules.compacted && keyIsNull) {
    throw new InvalidArgumentError({ ...at, member: "key" }, "a compacted topic only accepts records with a key");
  }
  if (size > rules.maxRecordBytes) {
    throw new StrataError(
      "RECORD_TOO_LARGE",
      `record is ${size} bytes encoded; the topic's max.message.bytes is ${rules.maxRecordBytes}`,
      { details: { at, size, limit: rules.maxRecordBytes } },
    );
  }
  if (!rules.logAppendTime) {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new InvalidArgumentError({ ...at, member: "timestamp" }, "timestamp must be a non-negative integer (ms)");
    }
    if (now - timestamp > rules.beforeMaxMs) {
      throw new InvalidArgumentError(
        { ...at, member: "timestamp" },
        `timestamp ${timestamp} is more than message.timestamp.before.max.ms (${rules.beforeMaxMs}) in the past`,
      );
    }
    if (timestamp - now > rules.afterMaxMs) {
      throw new InvalidArgumentError(
        { ...at, member: "timestamp" },
        `timestamp ${timestamp} is more than message.timestamp.after.max.ms (${rules.afterMaxMs}) in the future`,
      );
    }
  }
}
