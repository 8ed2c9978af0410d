/**
 * THROWAWAY: an in-memory LogService used only while lib/log/log.ts is being written. No finished test
 * depends on it; delete once createLog lands.
 */
import { InvalidArgumentError, OffsetOutOfRangeError, StrataError } from "../../../lib/errors.js";
import type { LogService } from "../../../lib/log/service.js";
import type { FetchedRecord, FetchOptions, FetchResult, TopicDescription } from "../../../lib/log/types.js";

export function fakeLog(): LogService & { close(): Promise<void> } {
  const topics = new Map<string, { id: string; parts: FetchedRecord[][]; config: Record<string, string> }>();
  const waiters = new Set<() => void>();
  let seq = 0;
  const get = (name: string) => {
    const t = topics.get(name);
    if (!t) throw new StrataError("TOPIC_NOT_FOUND", `topic ${name} not found`);
    return t;
  };
  const part = (name: string, p: number) => {
    const r = get(name).parts[p];
    if (!r) throw new StrataError("PARTITION_NOT_FOUND", `partition ${p} not found`);
    return r;
  };
  const describe = (name: string): TopicDescription => {
    const t = get(name);
    return {
      name,
      id: t.id,
      partitions: t.parts.map((r, partition) => ({ partition, logStartOffset: 0, highWatermark: r.length })),
      config: t.config,
    };
  };
  const fetchNow = (topic: string, p: number, o: FetchOptions): FetchResult => {
    const recs = part(topic, p);
    const start =
      o.offset === "earliest"
        ? 0
        : o.offset === "latest"
          ? recs.length
          : typeof o.offset === "number"
            ? o.offset
            : recs.findIndex((r) => r.timestamp >= (o.offset as { timestamp: number }).timestamp);
    const s = start < 0 ? recs.length : start;
    if (s > recs.length) throw new OffsetOutOfRangeError(s, 0, recs.length);
    const records = recs.slice(s, s + (o.maxRecords ?? 500));
    return { records, nextOffset: s + records.length, highWatermark: recs.length, logStartOffset: 0 };
  };
  const wait = (ms: number, ready: () => boolean) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || ready()) return resolve();
      const done = () => {
        if (!ready()) return;
        waiters.delete(done);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        waiters.delete(done);
        resolve();
      }, ms);
      waiters.add(done);
    });
  return {
    async createTopic(name, partitions, config = {}) {
      if (topics.has(name)) throw new StrataError("TOPIC_EXISTS", `topic ${name} exists`);
      for (const k of Object.keys(config))
        if (!k.includes(".")) throw new InvalidArgumentError(`config.${k}`, `unknown config key "${k}"`);
      topics.set(name, {
        id: `id${seq++}`,
        parts: Array.from({ length: partitions }, () => []),
        config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)])),
      });
      return describe(name);
    },
    async listTopics() {
      return [...topics.keys()];
    },
    async describeTopic(name) {
      return describe(name);
    },
    async updateTopic(name, u) {
      const t = get(name);
      if (u.partitions !== undefined) {
        if (u.partitions < t.parts.length) throw new InvalidArgumentError("partitions", "may only grow");
        while (t.parts.length < u.partitions) t.parts.push([]);
      }
      for (const [k, v] of Object.entries(u.config ?? {})) {
        if (v === null) delete t.config[k];
        else t.config[k] = String(v);
      }
      return describe(name);
    },
    async deleteTopic(name) {
      get(name);
      topics.delete(name);
    },
    async registerProducer() {
      return { producerId: seq++, producerEpoch: 0 };
    },
    async produce(topic, records) {
      const t = get(topic);
      const results = records.map((r, i) => {
        const p = r.partition ?? i % t.parts.length;
        const recs = part(topic, p);
        recs.push({
          offset: recs.length,
          timestamp: r.timestamp ?? Date.now(),
          key: r.key,
          value: r.value,
          headers: r.headers ?? [],
        });
        return { partition: p, offset: recs.length - 1 };
      });
      for (const w of [...waiters]) w();
      return { results, failed: 0 };
    },
    async produceBatches() {
      throw new StrataError("INTERNAL", "not in the fake");
    },
    async fetch(topic, p, o) {
      const first = fetchNow(topic, p, o);
      if (first.records.length > 0 || !o.maxWaitMs) return first;
      await wait(o.maxWaitMs, () => part(topic, p).length > first.nextOffset);
      return fetchNow(topic, p, { ...o, offset: first.nextOffset });
    },
    async fetchMany(requests, options) {
      const run = () =>
        requests.map((r) => {
          try {
            return {
              topic: r.topic,
              partition: r.partition,
              ...fetchNow(r.topic, r.partition, { offset: r.offset, maxRecords: options.maxRecordsPerPartition }),
            };
          } catch (error) {
            return { topic: r.topic, partition: r.partition, error: error as StrataError };
          }
        });
      const first = run();
      if (first.some((r) => "records" in r && r.records.length > 0) || !options.maxWaitMs) return first;
      await wait(options.maxWaitMs, () => run().some((r) => "records" in r && r.records.length > 0));
      return run();
    },
    async fetchBatches() {
      throw new StrataError("INTERNAL", "not in the fake");
    },
    async close() {},
  };
}
