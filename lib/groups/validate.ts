/** Input checks for the group service; each failure names the field at fault. */
import { isValidName, NAME_RULE } from "../contract.js";
import { InvalidArgumentError } from "../errors.js";
import type { ResetTarget, TopicPartition } from "./types.js";

export function checkGroup(group: unknown): string {
  // Group and member ids become ledger keys and URL path segments: the topic-name rule keeps them safe there.
  if (!isValidName(group)) {
    throw new InvalidArgumentError("group", `a group name is ${NAME_RULE}`);
  }
  return group;
}

export function checkMemberId(memberId: unknown, field = "memberId"): string {
  if (!isValidName(memberId)) {
    throw new InvalidArgumentError(field, `a ${field} is ${NAME_RULE}`);
  }
  return memberId;
}

export function checkTopic(topic: unknown, field: string): string {
  if (!isValidName(topic)) {
    throw new InvalidArgumentError(field, `a topic name is ${NAME_RULE}`);
  }
  return topic;
}

export function checkInt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

export function checkTopics(topics: unknown, field: string): string[] {
  if (!Array.isArray(topics) || topics.length === 0) throw new InvalidArgumentError(field, "at least one topic");
  return [...new Set(topics.map((t, i) => checkTopic(t, `${field}[${i}]`)))].sort();
}

export function checkPartitions(list: unknown, field: string): TopicPartition[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError(field, "must be an array of {topic, partition}");
  return list.map((tp, i) => {
    if (typeof tp !== "object" || tp === null) throw new InvalidArgumentError(`${field}[${i}]`, "must be an object");
    const { topic, partition } = tp as Record<string, unknown>;
    return {
      topic: checkTopic(topic, `${field}[${i}].topic`),
      partition: checkInt(partition, `${field}[${i}].partition`, 0),
    };
  });
}

export function checkResetTarget(to: unknown): ResetTarget {
  if (to === "earliest" || to === "latest") return to;
  if (typeof to === "object" && to !== null) {
    const t = to as Record<string, unknown>;
    if ("timestamp" in t && !("offset" in t)) return { timestamp: checkInt(t.timestamp, "to.timestamp", 0) };
    if ("offset" in t && !("timestamp" in t)) return { offset: checkInt(t.offset, "to.offset", 0) };
  }
  throw new InvalidArgumentError("to", 'must be "earliest", "latest", {timestamp} or {offset}');
}
