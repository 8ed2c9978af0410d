/**
 * Partition sets. In memory a partition is the string key `topic/partition` (Kafka topic names cannot
 * contain "/"); in the ledger a set is `{ topic: [partitions, ascending] }`, which is compact and readable.
 */
import type { TopicPartition } from "./types.js";

export type PartitionKey = string;
export type StoredPartitions = Record<string, number[]>;

export const partitionKey = (topic: string, partition: number): PartitionKey => `${topic}/${partition}`;

export function parseKey(key: PartitionKey): TopicPartition {
  const slash = key.lastIndexOf("/");
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}

/** Topic by name, then partition numerically: the one order every list and every decision uses. */
export function compareKeys(a: PartitionKey, b: PartitionKey): number {
  const x = parseKey(a);
  const y = parseKey(b);
  if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
  return x.partition - y.partition;
}

export const sortKeys = (keys: Iterable<PartitionKey>): PartitionKey[] => [...keys].sort(compareKeys);

export function toKeySet(stored: StoredPartitions): Set<PartitionKey> {
  const out = new Set<PartitionKey>();
  for (const [topic, partitions] of Object.entries(stored)) for (const p of partitions) out.add(partitionKey(topic, p));
  return out;
}

export function toStored(keys: Iterable<PartitionKey>): StoredPartitions {
  const out: StoredPartitions = {};
  for (const key of sortKeys(keys)) {
    const { topic, partition } = parseKey(key);
    const list = getOwn(out, topic) ?? [];
    list.push(partition);
    setOwn(out, topic, list);
  }
  return out;
}

export const toList = (keys: Iterable<PartitionKey>): TopicPartition[] => sortKeys(keys).map(parseKey);

export function sameSet(a: ReadonlySet<PartitionKey>, b: ReadonlySet<PartitionKey>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

/**
 * Own properties only. Member ids and topic names are user strings used as object keys in the stored group
 * state: "constructor" or "__proto__" must find nothing inherited, and must be stored as plain own keys.
 */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
