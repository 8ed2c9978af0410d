/**
 * Administration, like Kafka's AdminClient and kafka-consumer-groups: topics, groups, offset resets, delete records.
 * Each method is one request; reads retry on retriable errors, writes do not (a create or delete repeated after a
 * lost answer would report a misleading "exists" or "not found").
 */
import { errorFromProblem, InvalidInputError, type Problem } from "./errors.js";
import type { HttpClient } from "./http.js";
import { seg } from "./http.js";

export type ConfigValue = string | number;

export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface TopicDescription {
  name: string;
  id: string;
  partitions: PartitionInfo[];
  /** every key, defaults included */
  config: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionOffset extends TopicPartition {
  /** the committed next offset to read; null when nothing is committed */
  offset: number | null;
  metadata?: string | null;
  highWatermark: number;
  /** null when nothing is committed */
  lag: number | null;
}

export interface MemberDescription {
  memberId: string;
  memberEpoch: number;
  topics?: string[];
  assignments: TopicPartition[];
  [more: string]: unknown;
}

export interface GroupDescription {
  group: string;
  state: string;
  groupEpoch: number;
  members: MemberDescription[];
  offsets?: PartitionOffset[];
  [more: string]: unknown;
}

export type ResetTarget = "earliest" | "latest" | { timestamp: number } | { offset: number };

export interface OffsetCommit extends TopicPartition {
  offset: number;
  metadata?: string;
}

/** One partition of a JSON fetch answer, as offsetsForTimes reads it. */
interface FetchedAtTime {
  partition: number;
  records?: { offset: number; timestamp: number }[];
  nextOffset?: number;
  error?: Problem & { status?: number };
}

/**
 * @example
 * const admin = strata.admin();
 * await admin.createTopic("orders", { partitions: 6, config: { "retention.ms": "86400000" } });
 */
export class Admin {
  constructor(private readonly http: HttpClient) {}

  createTopic(
    name: string,
    options: { partitions?: number; config?: Record<string, ConfigValue> } = {},
  ): Promise<TopicDescription> {
    return this.http.json("POST", "/v1/topics", { json: { name, ...options } });
  }

  async listTopics(): Promise<string[]> {
    const r = await this.read<{ topics: string[] }>("GET", "/v1/topics");
    return r.topics;
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.read("GET", `/v1/topics/${seg(name)}`);
  }

  /** Grow the partition count and/or change config (a null value resets a key to its default). */
  alterTopic(
    name: string,
    changes: { partitions?: number; config?: Record<string, ConfigValue | null> },
  ): Promise<TopicDescription> {
    return this.http.json("PATCH", `/v1/topics/${seg(name)}`, { json: changes });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.http.json("DELETE", `/v1/topics/${seg(name)}`);
  }

  /** Moves the partition's log start to `beforeOffset` (-1: its highWatermark), like Kafka's deleteRecords. */
  deleteRecords(
    topic: string,
    partition: number,
    beforeOffset: number,
  ): Promise<{ partition: number; lowWatermark: number }> {
    return this.http.json("POST", `/v1/topics/${seg(topic)}/partitions/${partition}/delete-records`, {
      json: { beforeOffset },
    });
  }

  /**
   * Per partition, the first offset whose record's timestamp is at or after `timestamp` (ms), with that record's
   * timestamp; past the last record, the high watermark and a null timestamp (where a consumer starting at that time
   * would begin). No route lists offsets by time, so this is one JSON fetch of every partition started at the time
   * with maxRecords 1 and no wait: at most one record per partition crosses the wire. Default: every partition.
   */
  async offsetsForTimes(
    topic: string,
    timestamp: number,
    partitions?: number[],
  ): Promise<{ partition: number; offset: number; timestamp: number | null }[]> {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new InvalidInputError("timestamp: ms since the epoch, an integer >= 0");
    const list = partitions ?? (await this.describeTopic(topic)).partitions.map((p) => p.partition);
    const r = await this.http.retrying("admin", () =>
      this.http.json<{ partitions: FetchedAtTime[] }>("POST", "/v1/fetch", {
        json: { partitions: list.map((partition) => ({ topic, partition, timestamp })), maxRecords: 1, maxWaitMs: 0 },
      }),
    );
    return r.partitions.map((p) => {
      if (p.error) throw errorFromProblem(p.error.status ?? 500, p.error);
      const first = p.records?.[0];
      return { partition: p.partition, offset: first?.offset ?? p.nextOffset!, timestamp: first?.timestamp ?? null };
    });
  }

  async listGroups(): Promise<unknown[]> {
    const r = await this.read<{ groups: unknown[] }>("GET", "/v1/groups");
    return r.groups;
  }

  describeGroup(group: string): Promise<GroupDescription> {
    return this.read("GET", `/v1/groups/${seg(group)}`);
  }

  async deleteGroup(group: string): Promise<void> {
    await this.http.json("DELETE", `/v1/groups/${seg(group)}`);
  }

  async fetchOffsets(group: string): Promise<PartitionOffset[]> {
    const r = await this.read<{ offsets: PartitionOffset[] }>("GET", `/v1/groups/${seg(group)}/offsets`);
    return r.offsets;
  }

  /** Standalone commit (Kafka's assign() mode): allowed while the group has no live members. */
  async commitOffsets(group: string, offsets: OffsetCommit[]): Promise<void> {
    await this.http.json("POST", `/v1/groups/${seg(group)}/offsets`, { json: { offsets } });
  }

  /** Resets the group's offsets (only while it has no live members); default every topic it has commits for. */
  async resetOffsets(
    group: string,
    to: ResetTarget,
    topics?: string[],
  ): Promise<{ offsets: (TopicPartition & { offset: number })[] }> {
    return this.http.json("POST", `/v1/groups/${seg(group)}/offsets/reset`, {
      json: topics ? { to, topics } : { to },
    });
  }

  private read<T>(method: string, path: string): Promise<T> {
    return this.http.retrying("admin", () => this.http.json<T>(method, path), { retries: 3 });
  }
}
