/**
 * The log's behaviour, end to end through the domain API, on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OffsetOutOfRangeError } from "../../lib/errors.js";
import { transactionalIdKey } from "../../lib/log/keys.js";
import { createLog, type Log } from "../../lib/log/log.js";
import { partitionForKey } from "../../lib/log/partitioner.js";
import { backends, type TestStorage } from "../support/backends.js";
import { expectCode } from "../support/expect.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const str = (u: Uint8Array | null) => (u === null ? null : dec.decode(u));

let n = 0;
const topicName = (what: string) => `${what}-${Date.now().toString(36)}-${n++}`;

describe.each(backends)("log on $name", (backend) => {
  let storage: TestStorage;
  let log: Log;

  beforeAll(async () => {
    storage = await backend.open();
    log = createLog({ ledger: storage.ledger, store: storage.store });
  });
  afterAll(async () => {
    await storage.cleanup();
  });

  describe("topics", () => {
    it("creates, lists, describes, grows, reconfigures and deletes", async () => {
      const name = topicName("orders");
      const created = await log.createTopic(name, 3, { "retention.ms": 60000, "cleanup.policy": "compact" });
      expect(created.name).toBe(name);
      expect(created.partitions).toEqual([0, 1, 2].map((p) => ({ partition: p, logStartOffset: 0, highWatermark: 0 })));
      expect(created.config["retention.ms"]).toBe("60000");
      expect(created.config["cleanup.policy"]).toBe("compact");
      expect(created.config["max.message.bytes"]).toBe("1048576");
      expect(await log.listTopics()).toContain(name);
      await expectCode(log.createTopic(name, 1), "TOPIC_EXISTS");

      const grown = await log.updateTopic(name, {
        partitions: 5,
        config: { "retention.ms": null, "segment.bytes": "2048" },
      });
      expect(grown.partitions).toHaveLength(5);
      expect(grown.config["retention.ms"]).toBe("604800000");
      expect(grown.config["segment.bytes"]).toBe("2048");
      await expectCode(log.updateTopic(name, { partitions: 2 }), "INVALID_ARGUMENT");

      await log.deleteTopic(name);
      expect(await log.listTopics()).not.toContain(name);
      await expectCode(log.describeTopic(name), "TOPIC_NOT_FOUND");
      await expectCode(log.deleteTopic(name), "TOPIC_NOT_FOUND");
    });

    it("rejects bad names and config, naming what is wrong, and changes nothing", async () => {
      for (const bad of ["", "a/b", ".", "..", "x".repeat(250), "spaces here", "ü"]) {
        const e = await expectCode(log.createTopic(bad, 1), "INVALID_ARGUMENT");
        expect(e.details.field).toBe("name");
      }
      const name = topicName("cfg");
      const cases: [Record<string, string | number>, string][] = [
        [{ "no.such.key": "1" }, "config.no.such.key"],
        [{ "retention.ms": "soon" }, "config.retention.ms"],
        [{ "cleanup.policy": "shred" }, "config.cleanup.policy"],
        [{ "min.cleanable.dirty.ratio": 2 }, "config.min.cleanable.dirty.ratio"],
        [{ "message.timestamp.type": "Now" }, "config.message.timestamp.type"],
      ];
      for (const [config, field] of cases) {
        const e = await expectCode(log.createTopic(name, 1, config), "INVALID_ARGUMENT");
        expect(e.details.field).toBe(field);
      }
      await expectCode(log.createTopic(name, 0), "INVALID_ARGUMENT");
      await expectCode(log.describeTopic(name), "TOPIC_NOT_FOUND");
    });

    it("a deleted and re-created topic shows and accepts nothing of the old one, even through a stale cache", async () => {
      const name = topicName("recreate");
      await log.createTopic(name, 1);
      await log.produce(name, [{ key: null, value: b("old"), partition: 0 }]);
      // A second process that cached the old topic's metadata.
      const stale = createLog({ ledger: storage.ledger, store: storage.store, options: { topicCacheMs: 10_000 } });
      await stale.produce(name, [{ key: null, value: b("warm"), partition: 0 }]);

      await log.deleteTopic(name);
      const again = await log.createTopic(name, 1);
      expect(again.partitions[0]!.highWatermark).toBe(0);

      // The stale writer's commit is refused, not acknowledged into the void.
      await expectCode(stale.produce(name, [{ key: null, value: b("ghost"), partition: 0 }]), "TOPIC_NOT_FOUND");
      await log.produce(name, [{ key: null, value: b("new"), partition: 0 }]);
      const read = await log.fetch(name, 0, { offset: 0 });
      expect(read.records.map((r) => str(r.value))).toEqual(["new"]);
      // After the refusal the stale process reloads and writes to the new topic.
      await stale.produce(name, [{ key: null, value: b("fresh"), partition: 0 }]);
      expect((await log.fetch(name, 0, { offset: 0 })).records.map((r) => str(r.value))).toEqual(["new", "fresh"]);
    });
  });

  describe("produce and fetch", () => {
    it("round-trips records with keys, headers, nulls and timestamps, with dense offsets from 0", async () => {
      const name = topicName("rt");
      await log.createTopic(name, 1);
      const res = await log.produce(name, [
        {
          key: b("k1"),
          value: b("v1"),
          headers: [
            { name: "h", value: b("1") },
            { name: "h", value: null },
          ],
          timestamp: Date.now() - 5,
        },
        { key: null, value: null },
        { key: b(""), value: b("") },
      ]);
      expect(res.failed).toBe(0);
      expect(res.results).toEqual([0, 1, 2].map((offset) => ({ partition: 0, offset })));
      await log.produce(name, [{ key: b("k2"), value: b("v2") }]);
      const read = await log.fetch(name, 0, { offset: 0 });
      expect(read.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(str(read.records[0]!.key)).toBe("k1");
      expect(read.records[0]!.headers.map((h) => [h.name, str(h.value)])).toEqual([
        ["h", "1"],
        ["h", null],
      ]);
      expect(read.records[1]!.key).toBeNull();
      expect(read.records[1]!.value).toBeNull();
      expect(read.records[2]!.key).toEqual(new Uint8Array(0));
      expect(read).toMatchObject({ nextOffset: 4, highWatermark: 4, logStartOffset: 0 });
      const tail = await log.fetch(name, 0, { offset: 2, maxRecords: 1 });
      expect(tail.records.map((r) => r.offset)).toEqual([2]);
      expect(tail.nextOffset).toBe(3);
    });

    it("partitions keyed records with Kafka's murmur2 and keeps per-key order", async () => {
      const name = topicName("keyed");
      await log.createTopic(name, 4);
      const records = Array.from({ length: 40 }, (_, i) => ({ key: b(`customer-${i % 7}`), value: b(`event-${i}`) }));
      const res = await log.produce(name, records);
      res.results.forEach((r, i) => {
        expect(r.partition).toBe(partitionForKey(records[i]!.key, 4));
      });
      for (let p = 0; p < 4; p++) {
        const read = await log.fetch(name, p, { offset: "earliest" });
        const seen = new Map<string, number>();
        for (const r of read.records) {
          const i = Number(str(r.value)!.split("-")[1]);
          const key = str(r.key)!;
          expect(i).toBeGreaterThan(seen.get(key) ?? -1);
          seen.set(key, i);
        }
      }
    });

    it("one produce for many partitions writes one object and answers per record", async () => {
      const name = topicName("multi");
      await log.createTopic(name, 3);
      const res = await log.produce(name, [
        { key: null, value: b("a"), partition: 2 },
        { key: null, value: b("b"), partition: 0 },
        { key: null, value: b("c"), partition: 2 },
      ]);
      expect(res.results).toEqual([
        { partition: 2, offset: 0 },
        { partition: 0, offset: 0 },
        { partition: 2, offset: 1 },
      ]);
      const listed = await storage.store.list("incoming/");
      const d = await log.describeTopic(name);
      const objects = listed.objects.filter((o) => o.key.includes(d.id));
      expect(objects).toHaveLength(1);
    });

    it("unkeyed records without a partition stick to one partition per request", async () => {
      const name = topicName("sticky");
      await log.createTopic(name, 8);
      const res = await log.produce(
        name,
        Array.from({ length: 10 }, () => ({ key: null, value: b("x") })),
      );
      expect(new Set(res.results.map((r) => r.partition)).size).toBe(1);
    });

    it("rejects bad records, locating them in the record list, and writes nothing", async () => {
      const name = topicName("bad");
      await log.createTopic(name, 2, { "max.message.bytes": 100, "cleanup.policy": "compact" });
      let e = await expectCode(log.produce(name, [{ key: b("k"), value: new Uint8Array(200) }]), "RECORD_TOO_LARGE");
      expect(e.details.at).toEqual({ record: 0 });
      e = await expectCode(
        log.produce(name, [
          { key: b("k"), value: b("v") },
          { key: null, value: b("v") },
        ]),
        "INVALID_ARGUMENT",
      );
      expect(e.details.at).toEqual({ record: 1, member: "key" });
      e = await expectCode(log.produce(name, [{ key: b("k"), value: b("v"), partition: 9 }]), "PARTITION_NOT_FOUND");
      e = await expectCode(
        log.produce(name, [{ key: b("k"), value: b("v"), timestamp: Date.now() + 86_400_000 }]),
        "INVALID_ARGUMENT",
      );
      expect(e.details.at).toEqual({ record: 0, member: "timestamp" });
      await expectCode(log.produce(name, []), "INVALID_ARGUMENT");
      await expectCode(log.produce(topicName("missing"), [{ key: null, value: b("v") }]), "TOPIC_NOT_FOUND");
      const d = await log.describeTopic(name);
      expect(d.partitions.map((p) => p.highWatermark)).toEqual([0, 0]);
    });

    it("stamps LogAppendTime when the topic asks for it", async () => {
      const name = topicName("appendtime");
      await log.createTopic(name, 1, { "message.timestamp.type": "LogAppendTime" });
      const before = Date.now();
      await log.produce(name, [{ key: null, value: b("v"), timestamp: 1000 }]);
      const [r] = (await log.fetch(name, 0, { offset: 0 })).records;
      expect(r!.timestamp).toBeGreaterThanOrEqual(before);
      const wire = await log.fetchBatches(name, 0, { offset: 0 });
      expect(wire.bytes.length).toBeGreaterThan(61);
    });
  });

  describe("fetch positions", () => {
    let name: string;
    const t0 = Date.now() - 60_000;
    beforeAll(async () => {
      name = topicName("pos");
      await log.createTopic(name, 1);
      for (let i = 0; i < 5; i++) {
        await log.produce(
          name,
          [0, 1].map((j) => ({
            key: null,
            value: b(`r${i * 2 + j}`),
            timestamp: t0 + (i * 2 + j) * 1000,
            partition: 0,
          })),
        );
      }
    });

    it("earliest, latest and offset == highWatermark", async () => {
      expect((await log.fetch(name, 0, { offset: "earliest" })).records[0]!.offset).toBe(0);
      const latest = await log.fetch(name, 0, { offset: "latest" });
      expect(latest).toMatchObject({ records: [], nextOffset: 10, highWatermark: 10 });
      expect(await log.fetch(name, 0, { offset: 10 })).toMatchObject({ records: [], nextOffset: 10 });
    });

    it("by time: the first record at or after it; after the newest it is the highWatermark", async () => {
      for (const [ts, offset] of [
        [t0 - 1, 0],
        [t0, 0],
        [t0 + 3500, 4],
        [t0 + 9000, 9],
      ] as const) {
        const read = await log.fetch(name, 0, { offset: { timestamp: ts }, maxRecords: 1 });
        expect(read.records[0]!.offset).toBe(offset);
      }
      const after = await log.fetch(name, 0, { offset: { timestamp: t0 + 99_000 } });
      expect(after).toMatchObject({ records: [], nextOffset: 10 });
    });

    it("out of range carries both bounds", async () => {
      const e = (await expectCode(log.fetch(name, 0, { offset: 11 }), "OFFSET_OUT_OF_RANGE")) as OffsetOutOfRangeError;
      expect(e.details).toMatchObject({ logStartOffset: 0, highWatermark: 10 });
      await expectCode(log.fetch(name, 0, { offset: -1 }), "OFFSET_OUT_OF_RANGE");
      await expectCode(log.fetch(name, 3, { offset: 0 }), "PARTITION_NOT_FOUND");
    });

    it("bounds by records and bytes, always returning at least one record", async () => {
      expect((await log.fetch(name, 0, { offset: 0, maxRecords: 3 })).records).toHaveLength(3);
      const tiny = await log.fetch(name, 0, { offset: 0, maxBytes: 1 });
      expect(tiny.records).toHaveLength(1);
      expect(tiny.nextOffset).toBe(1);
    });

    it("a long poll wakes on a produce, single and multi-partition", async () => {
      const t = topicName("poll");
      await log.createTopic(t, 2);
      const started = Date.now();
      const waiting = log.fetch(t, 0, { offset: 0, maxWaitMs: 10_000 });
      const many = log.fetchMany(
        [
          { topic: t, partition: 0, offset: "latest" },
          { topic: t, partition: 1, offset: "latest" },
        ],
        { maxWaitMs: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 100));
      await log.produce(t, [{ key: null, value: b("wake"), partition: 1 }]);
      await log.produce(t, [{ key: null, value: b("wake0"), partition: 0 }]);
      const [single, multi] = await Promise.all([waiting, many]);
      expect(str(single.records[0]!.value)).toBe("wake0");
      const p1 = multi.find((r) => r.partition === 1)!;
      expect("records" in p1 && p1.records.map((r) => str(r.value))).toEqual(["wake"]);
      expect(Date.now() - started).toBeLessThan(9_000);
      const empty = await log.fetch(t, 0, { offset: "latest", maxWaitMs: 200 });
      expect(empty.records).toEqual([]);
    });
  });

  describe("idempotent producers", () => {
    it("a retried batch gets its original offsets; gaps and fenced epochs are refused", async () => {
      const name = topicName("idem");
      await log.createTopic(name, 2);
      const p = await log.registerProducer();
      const send = (seq: number, values: string[], epoch = p.producerEpoch) =>
        log.produce(
          name,
          values.map((v) => ({ key: null, value: b(v), partition: 0 })),
          { producerId: p.producerId, producerEpoch: epoch, baseSequences: { 0: seq } },
        );
      expect((await send(0, ["a", "b"])).results.map((r) => "offset" in r && r.offset)).toEqual([0, 1]);
      expect((await send(2, ["c"])).results.map((r) => "offset" in r && r.offset)).toEqual([2]);
      // A retry of the first batch: same offsets, nothing new.
      expect((await send(0, ["a", "b"])).results.map((r) => "offset" in r && r.offset)).toEqual([0, 1]);
      expect((await log.describeTopic(name)).partitions[0]!.highWatermark).toBe(3);
      // Another process (cold cache) sees the same state.
      const other = createLog({ ledger: storage.ledger, store: storage.store });
      const retried = await other.produce(name, [{ key: null, value: b("c"), partition: 0 }], {
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        baseSequences: { 0: 2 },
      });
      expect(retried.results).toEqual([{ partition: 0, offset: 2 }]);
      const cont = await other.produce(name, [{ key: null, value: b("d"), partition: 0 }], {
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        baseSequences: { 0: 3 },
      });
      expect(cont.results).toEqual([{ partition: 0, offset: 3 }]);
      await expectCode(send(9, ["gap"]), "OUT_OF_ORDER_SEQUENCE");
      await expectCode(
        log.produce(name, [{ key: null, value: b("x") }], {
          producerId: p.producerId,
          producerEpoch: 0,
          baseSequences: {},
        }),
        "INVALID_ARGUMENT",
      );
      expect((await log.describeTopic(name)).partitions[0]!.highWatermark).toBe(4);
    });

    it("registering a transactional id again bumps the epoch and fences the old producer", async () => {
      const name = topicName("fence");
      await log.createTopic(name, 1);
      const txn = `txn-${name}`;
      const first = await log.registerProducer(txn);
      const second = await log.registerProducer(txn);
      expect(second.producerId).toBe(first.producerId);
      expect(second.producerEpoch).toBe(first.producerEpoch + 1);
      const id = (epoch: number, seq: number) => ({
        producerId: first.producerId,
        producerEpoch: epoch,
        baseSequences: { 0: seq },
      });
      await log.produce(name, [{ key: null, value: b("new"), partition: 0 }], id(second.producerEpoch, 0));
      await expectCode(
        log.produce(name, [{ key: null, value: b("old"), partition: 0 }], id(first.producerEpoch, 0)),
        "PRODUCER_FENCED",
      );
      expect((await log.fetch(name, 0, { offset: 0 })).records.map((r) => str(r.value))).toEqual(["new"]);
    });

    it("a transactional id that used up its epochs gets a new producer id at epoch 0, and the old id is fenced everywhere", async () => {
      const name = topicName("rotate");
      await log.createTopic(name, 2);
      const txn = `txn-${name}`;
      const first = await log.registerProducer(txn);
      // as if it had been registered 32,767 more times: the last epoch Kafka's int16 allows
      const current = await storage.ledger.get(transactionalIdKey(txn));
      await storage.ledger.write({
        type: "put",
        key: transactionalIdKey(txn),
        attrs: { ...current!.attrs, epoch: 32767 },
      });
      const zombie = (partition: number, seq: number) =>
        log.produce(name, [{ key: null, value: b("zombie"), partition }], {
          producerId: first.producerId,
          producerEpoch: 32767,
          baseSequences: { [partition]: seq },
        });
      await zombie(0, 0); // still the current producer

      const next = await log.registerProducer(txn);
      expect(next.producerId).not.toBe(first.producerId);
      expect(next.producerEpoch).toBe(0);
      // the old id is refused on the partition it wrote to and on one it never wrote to
      await expectCode(zombie(0, 1), "PRODUCER_FENCED");
      await expectCode(zombie(1, 0), "PRODUCER_FENCED");
      const fresh = { producerId: next.producerId, producerEpoch: 0, baseSequences: { 0: 0 } };
      await log.produce(name, [{ key: null, value: b("new"), partition: 0 }], fresh);
      expect((await log.fetch(name, 0, { offset: 0 })).records.map((r) => str(r.value))).toEqual(["zombie", "new"]);
      // and the new id goes on bumping its own epoch
      expect(await log.registerProducer(txn)).toEqual({ producerId: next.producerId, producerEpoch: 1 });
    });
  });

  describe("concurrent producers on one partition", () => {
    it("8 producers: every offset is unique and dense, every producer commits within a bounded number of attempts", async () => {
      const name = topicName("race");
      await log.createTopic(name, 1);
      const attempts: number[] = [];
      const producers = Array.from({ length: 8 }, () =>
        createLog({
          ledger: storage.ledger,
          store: storage.store,
          options: { sequencer: { onAttempts: (a) => attempts.push(a) } },
        }),
      );
      const perProducer = 6;
      const offsets = await Promise.all(
        producers.map(async (p, i) => {
          const got: number[] = [];
          for (let j = 0; j < perProducer; j++) {
            const res = await p.produce(name, [{ key: null, value: b(`${i}-${j}`), partition: 0 }]);
            got.push((res.results[0] as { offset: number }).offset);
          }
          return got;
        }),
      );
      const all = offsets.flat().sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 8 * perProducer }, (_, i) => i));
      expect(Math.max(...attempts)).toBeLessThanOrEqual(30);
      const read = await log.fetch(name, 0, { offset: 0, maxRecords: 1000 });
      expect(read.records).toHaveLength(8 * perProducer);
      // Per producer, its own records keep their order.
      for (let i = 0; i < 8; i++) {
        const mine = read.records.map((r) => str(r.value)!).filter((v) => v.startsWith(`${i}-`));
        expect(mine).toEqual(Array.from({ length: perProducer }, (_, j) => `${i}-${j}`));
      }
    });
  });
});
