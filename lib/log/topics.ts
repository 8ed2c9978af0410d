/**
 * Topics: create, describe, grow, reconfigure, delete; and a bounded-time metadata cache for the data path.
 *
 * Every partition's head item is created before the topic says the partition exists, and deletion marks every
 * head `deleted` before the topic item goes. Produce commits are conditioned on their head (exists, not deleted),
 * so a stale cache can never write into a deleted or re-created topic: the re-created topic has a new id, hence
 * new head keys, and the old heads refuse writes.
 */
import { randomUUID } from "node:crypto";
import { isValidName, MAX_PARTITIONS, NAME_RULE } from "../contract.js";
import { InvalidArgumentError, type Location, StrataError } from "../errors.js";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger, MAX_TRANSACTION_ITEMS, type WriteOp } from "../storage/ledger.js";
import { mapLimit } from "../util/map-limit.js";
import { applyConfigUpdate, effectiveConfig, normalizeOverrides } from "./config.js";
import { headFromAttrs, type PartitionHead, type TopicRecord, topicFromItem } from "./entries.js";
import { headKey, topicKey } from "./keys.js";
import type { PartitionState, TopicConfig, TopicDescription } from "./types.js";

/** A create that crashed half-way is taken over after this long. */
const STALE_CREATE_MS = 60_000;

export function validateTopicName(name: unknown, field = "name"): string {
  if (!isValidName(name)) {
    throw new InvalidArgumentError(field, `invalid topic name ${JSON.stringify(name)}: ${NAME_RULE}`);
  }
  return name;
}

function validatePartitionCount(n: unknown, field = "partitions"): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidArgumentError(field, `partitions must be an integer from 1 to ${MAX_PARTITIONS}`);
  }
  return n;
}

export const topicNotFound = (name: string) =>
  new StrataError("TOPIC_NOT_FOUND", `topic "${name}" does not exist`, { details: { topic: name } });

const initialHead = { next: 0, logStart: 0, bytes: 0, batches: 0, maxTs: -1 };

async function inChunks<T>(items: T[], size: number, fn: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

export class Topics {
  private readonly cache = new Map<string, { topic: TopicRecord; at: number }>();

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    /** how long data-path metadata may be cached (at most 10 s, per the design) */
    private readonly cacheMs = 5_000,
    /** the deployment's topic defaults: a new topic's config starts from them */
    private readonly defaults: TopicConfig = {},
  ) {}

  /** Reads the topic; active topics only. */
  async load(name: string): Promise<TopicRecord> {
    const item = await this.ledger.get(topicKey(name));
    if (!item) throw topicNotFound(name);
    const topic = topicFromItem(item);
    if (topic.state !== "active") throw topicNotFound(name);
    this.cache.set(name, { topic, at: this.clock.now() });
    return topic;
  }

  /** The data path's view: cached for a bounded time; `fresh` forces a read. */
  async get(name: string, fresh = false): Promise<TopicRecord> {
    const hit = this.cache.get(name);
    if (!fresh && hit && this.clock.now() - hit.at < this.cacheMs) return hit.topic;
    return this.load(name);
  }

  invalidate(name: string): void {
    this.cache.delete(name);
  }

  /** Resolves a partition number, refreshing the cache once if it looks out of range (the topic may have grown). */
  async partition(name: string, partition: number, field: string | Location = "partition"): Promise<TopicRecord> {
    if (!Number.isInteger(partition) || partition < 0) {
      throw new InvalidArgumentError(field, `partition must be a non-negative integer`);
    }
    let topic = await this.get(name);
    if (partition >= topic.partitions) topic = await this.get(name, true);
    if (partition >= topic.partitions) {
      throw new StrataError("PARTITION_NOT_FOUND", `topic "${name}" has no partition ${partition}`, {
        details: { topic: name, partition, partitions: topic.partitions },
      });
    }
    return topic;
  }

  async create(name: string, partitions: number, config?: Record<string, unknown>): Promise<TopicRecord> {
    validateTopicName(name);
    validatePartitionCount(partitions);
    const overrides = { ...this.defaults, ...normalizeOverrides(config) };
    const existing = await this.ledger.get(topicKey(name));
    if (existing) await this.clearLeftover(topicFromItem(existing));

    const topic: TopicRecord = {
      name,
      id: randomUUID(),
      partitions,
      config: overrides,
      state: "active",
      createdAt: this.clock.now(),
    };
    const heads: WriteOp[] = Array.from({ length: partitions }, (_, p) => ({
      type: "put",
      key: headKey(topic.id, p),
      attrs: { ...initialHead, topicId: topic.id },
      condition: { op: "notExists" },
    }));
    const topicAttrs = { id: topic.id, partitions, config: overrides, createdAt: topic.createdAt };
    try {
      if (heads.length < MAX_TRANSACTION_ITEMS) {
        // Small topics appear atomically.
        await this.ledger.transact([
          {
            type: "put",
            key: topicKey(name),
            attrs: { ...topicAttrs, state: "active" },
            condition: { op: "notExists" },
          },
          ...heads,
        ]);
      } else {
        // Large topics: claim the name, create the heads in chunks, then open the topic.
        await this.ledger.write({
          type: "put",
          key: topicKey(name),
          attrs: { ...topicAttrs, state: "creating" },
          condition: { op: "notExists" },
        });
        await inChunks(heads, MAX_TRANSACTION_ITEMS, (chunk) => this.ledger.transact(chunk));
        await this.ledger.write({
          type: "update",
          key: topicKey(name),
          set: { state: "active" },
          condition: { op: "eq", attr: "id", value: topic.id },
        });
      }
    } catch (e) {
      if (e instanceof ConditionFailedError && e.reasons[0]?.failed) {
        throw new StrataError("TOPIC_EXISTS", `topic "${name}" already exists`, { details: { topic: name } });
      }
      throw e;
    }
    this.cache.set(name, { topic, at: this.clock.now() });
    return topic;
  }

  /** An existing item blocks creation unless it is a deletion or creation that crashed part-way. */
  private async clearLeftover(old: TopicRecord): Promise<void> {
    if (old.state === "active") {
      throw new StrataError("TOPIC_EXISTS", `topic "${old.name}" already exists`, { details: { topic: old.name } });
    }
    if (old.state === "creating" && this.clock.now() - old.createdAt < STALE_CREATE_MS) {
      throw new StrataError("TOPIC_EXISTS", `topic "${old.name}" is being created`, {
        retriable: true,
        details: { topic: old.name },
      });
    }
    await this.finishDelete(old);
  }

  async list(): Promise<TopicRecord[]> {
    const items = await this.ledger.query("topics");
    return items.map(topicFromItem).filter((t) => t.state === "active");
  }

  async heads(topic: TopicRecord): Promise<PartitionHead[]> {
    const items = await mapLimit(
      Array.from({ length: topic.partitions }, (_, p) => p),
      16,
      (p) => this.ledger.get(headKey(topic.id, p)),
    );
    return items.map((item) => headFromAttrs(item?.attrs ?? {}, item));
  }

  /** describe, reading the heads of the given partitions only (those that do not exist are left out) */
  async describePartitions(name: string, partitions: number[]): Promise<TopicDescription> {
    const topic = await this.load(name);
    const wanted = [...new Set(partitions)].filter((p) => Number.isInteger(p) && p >= 0 && p < topic.partitions);
    const items = await mapLimit(wanted, 16, (p) => this.ledger.get(headKey(topic.id, p)));
    const states: PartitionState[] = items.map((item, i) => {
      const h = headFromAttrs(item?.attrs ?? {}, item);
      return { partition: wanted[i]!, logStartOffset: h.logStart, highWatermark: h.next };
    });
    return { name: topic.name, id: topic.id, partitions: states, config: effectiveConfig(topic.config) };
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = await this.load(name);
    const heads = await this.heads(topic);
    const partitions: PartitionState[] = heads.map((h, partition) => ({
      partition,
      logStartOffset: h.logStart,
      highWatermark: h.next,
    }));
    return { name: topic.name, id: topic.id, partitions, config: effectiveConfig(topic.config) };
  }

  async update(
    name: string,
    update: { partitions?: number; config?: Record<string, string | number | null> },
  ): Promise<TopicRecord> {
    const topic = await this.load(name);
    const config = update.config ? applyConfigUpdate(topic.config, update.config, this.defaults) : topic.config;
    let partitions = topic.partitions;
    if (update.partitions !== undefined) {
      partitions = validatePartitionCount(update.partitions);
      if (partitions < topic.partitions) {
        throw new InvalidArgumentError(
          "partitions",
          `partitions can only grow: topic "${name}" has ${topic.partitions}, asked for ${partitions}`,
        );
      }
      // Heads first (idempotent: a crashed earlier attempt may have made some), then the topic says they exist.
      const heads: WriteOp[] = [];
      for (let p = topic.partitions; p < partitions; p++) {
        heads.push({
          type: "put",
          key: headKey(topic.id, p),
          attrs: { ...initialHead, topicId: topic.id },
          condition: { op: "notExists" },
        });
      }
      await mapLimit(heads, 16, async (op) => {
        try {
          await this.ledger.write(op);
        } catch (e) {
          if (!(e instanceof ConditionFailedError)) throw e;
        }
      });
    }
    try {
      await this.ledger.write({
        type: "update",
        key: topicKey(name),
        set: { partitions, config },
        condition: {
          op: "and",
          conditions: [
            { op: "eq", attr: "id", value: topic.id },
            { op: "eq", attr: "partitions", value: topic.partitions },
          ],
        },
      });
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        throw new StrataError("CONCURRENT_MODIFICATION", `topic "${name}" changed concurrently; retry`, {
          retriable: true,
          cause: e,
        });
      }
      throw e;
    }
    this.invalidate(name);
    return { ...topic, partitions, config };
  }

  async delete(name: string): Promise<TopicRecord> {
    const topic = await this.load(name);
    try {
      await this.ledger.write({
        type: "update",
        key: topicKey(name),
        set: { state: "deleting" },
        condition: { op: "eq", attr: "id", value: topic.id },
      });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw topicNotFound(name);
      throw e;
    }
    await this.finishDelete({ ...topic, state: "deleting" });
    return topic;
  }

  /**
   * Fences every head, then removes the topic item. Safe to repeat. The data itself (index entries and objects)
   * stays until maintenance collects it: a `gc` item records what to collect.
   */
  private async finishDelete(topic: TopicRecord): Promise<void> {
    await this.ledger.write({
      type: "put",
      key: { pk: "gc", sk: `topic#${topic.id}` },
      attrs: { topicId: topic.id, partitions: topic.partitions, name: topic.name, at: this.clock.now() },
    });
    await mapLimit(
      Array.from({ length: topic.partitions }, (_, p) => p),
      16,
      (p) =>
        this.ledger.write({
          type: "update",
          key: headKey(topic.id, p),
          set: { deleted: true },
        }),
    );
    try {
      await this.ledger.write({
        type: "delete",
        key: topicKey(topic.name),
        condition: { op: "eq", attr: "id", value: topic.id },
      });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
    this.invalidate(topic.name);
  }
}

export type { PartitionHead };
