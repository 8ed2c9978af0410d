/**
 * A topic catalog for group tests: plain data standing in for lib/log's describeTopic and fetch
 * (offsets by time), with topics that can grow partitions, take records and be re-created.
 */
import { StrataError } from "../../../lib/errors.js";
import type { TopicCatalog } from "../../../lib/groups/coordinator.js";
import type { TopicMetadata } from "../../../lib/log/service.js";
import type { FetchOptions, FetchResult, TopicDescription } from "../../../lib/log/types.js";

interface FakePartition {
  logStartOffset: number;
  /** timestamps of the records, by offset - logStartOffset */
  timestamps: number[];
}

export class FakeCatalog implements TopicCatalog {
  private readonly topics = new Map<string, { id: string; partitions: FakePartition[] }>();
  private created = 0;
  describes = 0;

  create(name: string, partitions: number): string {
    const id = `${name}-id-${++this.created}`;
    this.topics.set(name, {
      id,
      partitions: Array.from({ length: partitions }, () => ({ logStartOffset: 0, timestamps: [] })),
    });
    return id;
  }

  delete(name: string): void {
    this.topics.delete(name);
  }

  grow(name: string, partitions: number): void {
    const t = this.topic(name);
    while (t.partitions.length < partitions) t.partitions.push({ logStartOffset: 0, timestamps: [] });
  }

  partitionCount(name: string): number {
    return this.topics.get(name)?.partitions.length ?? 0;
  }

  /** appends records with the given timestamps */
  append(name: string, partition: number, timestamps: number[]): void {
    this.topic(name).partitions[partition]!.timestamps.push(...timestamps);
  }

  truncate(name: string, partition: number, logStartOffset: number): void {
    this.topic(name).partitions[partition]!.logStartOffset = logStartOffset;
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.describes++;
    const t = this.topic(name);
    return {
      name,
      id: t.id,
      config: {},
      partitions: t.partitions.map((p, partition) => ({
        partition,
        logStartOffset: p.logStartOffset,
        highWatermark: p.timestamps.length,
      })),
    };
  }

  async topicMetadata(name: string): Promise<TopicMetadata> {
    const t = this.topic(name);
    return { name, id: t.id, partitions: t.partitions.length };
  }

  async describePartitions(name: string, partitions: number[]): Promise<TopicDescription> {
    const all = await this.describeTopic(name);
    return { ...all, partitions: all.partitions.filter((p) => partitions.includes(p.partition)) };
  }

  async fetch(topic: string, partition: number, options: FetchOptions): Promise<FetchResult> {
    const p = this.topic(topic).partitions[partition];
    if (!p) throw new StrataError("PARTITION_NOT_FOUND", `${topic}/${partition}`);
    const start = options.offset;
    if (typeof start !== "object") throw new Error("the fake catalog only fetches by timestamp");
    const hw = p.timestamps.length;
    let offset = p.logStartOffset;
    while (offset < hw && p.timestamps[offset]! < start.timestamp) offset++;
    const records =
      offset < hw ? [{ offset, timestamp: p.timestamps[offset]!, key: null, value: null, headers: [] }] : [];
    return { records, nextOffset: offset < hw ? offset + 1 : hw, highWatermark: hw, logStartOffset: p.logStartOffset };
  }

  private topic(name: string) {
    const t = this.topics.get(name);
    if (!t) throw new StrataError("TOPIC_NOT_FOUND", `topic ${name} does not exist`, { details: { topic: name } });
    return t;
  }
}
