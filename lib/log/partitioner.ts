/**
 * Kafka's default key partitioner: murmur2 of the key bytes, sign bit cleared, modulo the partition count.
 * Matching Kafka bit for bit means a key lands on the same partition whether a Java, kafkajs or Strata client
 * produced it (org.apache.kafka.common.utils.Utils.murmur2 / toPositive, BuiltInPartitioner.partitionForKey).
 */
import { InvalidArgumentError } from "../errors.js";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's Utils.murmur2: MurmurHash2, seed 0x9747b28c, as a signed 32-bit integer.
 * @example murmur2(new TextEncoder().encode("21")) === -973932308
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // Tail: Kafka's switch falls through from 3 to 1.
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2's tail deliberately falls through
    case 3:
      h ^= data[blocks + 2]! << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      h ^= data[blocks + 1]! << 8;
    case 1:
      h ^= data[blocks]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which has no positive for -2^31). */
export const toPositive = (n: number): number => n & 0x7fffffff;

/**
 * The partition Kafka's default partitioner picks for a non-null key.
 * @example partitionForKey(new TextEncoder().encode("user-42"), 12)
 * @throws InvalidArgumentError unless `partitions` is a positive integer
 */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 0x7fffffff) {
    throw new InvalidArgumentError("partitions", `partition count must be a positive integer, got ${partitions}`);
  }
  return toPositive(murmur2(key)) % partitions;
}
