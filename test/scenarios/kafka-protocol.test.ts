/**
 * The Kafka listener at the protocol level, with a raw client made of the project's codec: the idempotent
 * producer's error codes, acks, fetch limits and long polls, ListOffsets and leader epochs on both backends; and
 * on one backend the connection's own rules: pipelined requests answered in order, unsupported versions, and
 * garbage, truncated or oversized frames closing that connection alone while the server keeps serving others.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { KafkaError } from "../../lib/kafka/errors.js";
import { decodeResponse } from "../../lib/kafka/protocol/codec.js";
import * as M from "../../lib/kafka/protocol/messages/index.js";
import type { Struct } from "../../lib/kafka/protocol/schema.js";
import { backends, embedded } from "../support/backends.js";
import { type KafkaTestServer, RawKafka, startKafkaServer, topicName } from "./kafka-support.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const batch = (values: string[], producer?: { producerId: number; producerEpoch: number; baseSequence: number }) =>
  encodeRecordBatch(
    values.map((v) => ({ key: null, value: utf8(v), headers: [], timestamp: Date.now() })),
    producer ?? {},
  );

type Partition = Struct & { errorCode: number; baseOffset: number };
const producePartition = (answer: Struct) => ((answer.responses as Struct[])[0]!.partitionResponses as Partition[])[0]!;

function produceBody(topic: string, records: Uint8Array, acks = -1, partition = 0): Struct {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

describe.each(backends)("Kafka protocol on $name", (backend) => {
  let server: KafkaTestServer;
  let kafka: RawKafka;
  beforeAll(async () => {
    server = await startKafkaServer(backend);
    kafka = await RawKafka.open(server.bootstrap);
  });
  afterAll(async () => {
    kafka?.close();
    await server?.dispose();
  });

  it("an idempotent producer gets Kafka's sequence and epoch errors, and a retried batch its original offset", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 1);
    const init = await kafka.call(M.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    expect(init.errorCode).toBe(KafkaError.NONE);
    const id = { producerId: init.producerId as number, producerEpoch: init.producerEpoch as number };

    const first = batch(["a", "b"], { ...id, baseSequence: 0 });
    expect(producePartition(await kafka.call(M.Produce, 9, produceBody(topic, first)))).toMatchObject({
      errorCode: KafkaError.NONE,
      baseOffset: 0,
    });
    // the same batch again (a retry): its original offset, no second copy
    expect(producePartition(await kafka.call(M.Produce, 9, produceBody(topic, first)))).toMatchObject({
      errorCode: KafkaError.NONE,
      baseOffset: 0,
    });
    const gap = await kafka.call(M.Produce, 9, produceBody(topic, batch(["c"], { ...id, baseSequence: 5 })));
    expect(producePartition(gap).errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const overlapping = await kafka.call(M.Produce, 9, produceBody(topic, batch(["z"], { ...id, baseSequence: 0 })));
    expect(producePartition(overlapping).errorCode).toBe(KafkaError.DUPLICATE_SEQUENCE_NUMBER);

    const second = await kafka.call(M.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    const unknown = await kafka.call(
      M.Produce,
      9,
      produceBody(topic, batch(["d"], { producerId: second.producerId as number, producerEpoch: 0, baseSequence: 3 })),
    );
    expect(producePartition(unknown).errorCode).toBe(KafkaError.UNKNOWN_PRODUCER_ID);

    const newer = batch(["e"], { ...id, producerEpoch: id.producerEpoch + 1, baseSequence: 0 });
    expect(producePartition(await kafka.call(M.Produce, 9, produceBody(topic, newer))).errorCode).toBe(KafkaError.NONE);
    const fenced = await kafka.call(M.Produce, 9, produceBody(topic, batch(["f"], { ...id, baseSequence: 2 })));
    expect(producePartition(fenced).errorCode).toBe(KafkaError.INVALID_PRODUCER_EPOCH);

    const txn = await kafka.call(M.InitProducerId, 4, { transactionalId: "tx", transactionTimeoutMs: 60000 });
    expect(txn.errorCode).toBe(KafkaError.INVALID_REQUEST);
  });

  it("answers errors per partition, and acks=0 gets no answer while acks=1 is answered after the commit", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 2, { "max.message.bytes": 100 });
    const answer = await kafka.call(M.Produce, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: topic,
          partitionData: [
            { index: 0, records: batch(["x".repeat(500)]) },
            { index: 1, records: batch(["ok"]) },
            { index: 7, records: batch(["nowhere"]) },
          ],
        },
        { name: "no-such-topic", partitionData: [{ index: 0, records: batch(["y"]) }] },
      ],
    });
    const [t, missing] = answer.responses as Struct[];
    expect((t!.partitionResponses as Partition[]).map((p) => [p.index, p.errorCode])).toEqual([
      [0, KafkaError.MESSAGE_TOO_LARGE],
      [1, KafkaError.NONE],
      [7, KafkaError.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect((missing!.partitionResponses as Partition[])[0]!.errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);

    // acks=0: nothing comes back for it; the next request's answer is the next frame
    kafka.write(kafka.frame(M.Produce, 7, produceBody(topic, batch(["silent"]), 0, 1)));
    const meta = await kafka.call(M.Metadata, 9, { topics: [{ name: topic }] });
    expect((meta.topics as Struct[])[0]!.errorCode).toBe(0);
    const read = await server.log.fetch(topic, 1, { offset: 0 });
    expect(read.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(["ok", "silent"]);
  });

  it("fetches with Kafka's limits: a long poll answered by a produce, min bytes, partition max bytes, out of range", async () => {
    const topic = topicName();
    const created = await server.log.createTopic(topic, 2);
    const fetchBody = (
      offset: number,
      o: { minBytes?: number; maxWaitMs?: number; partitionMaxBytes?: number } = {},
    ) => ({
      maxWaitMs: o.maxWaitMs ?? 5000,
      minBytes: o.minBytes ?? 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          topicId: created.id,
          partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: o.partitionMaxBytes ?? 1 << 20 }],
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    });
    const other = await RawKafka.open(server.bootstrap);
    try {
      const started = Date.now();
      const waiting = other.call(M.Fetch, 13, fetchBody(0));
      await new Promise((r) => setTimeout(r, 300));
      await kafka.call(M.Produce, 9, produceBody(topic, batch(["late"])));
      const answer = await waiting;
      const p = ((answer.responses as Struct[])[0]!.partitions as Struct[])[0]!;
      expect(p).toMatchObject({ errorCode: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0 });
      expect((p.records as Uint8Array).length).toBeGreaterThan(61);
      expect(Date.now() - started).toBeLessThan(5000);

      // min bytes above what the partition holds: the answer waits out max wait, then comes with what there is
      const t0 = Date.now();
      const patient = await other.call(M.Fetch, 11, {
        ...fetchBody(0, { minBytes: 1 << 20, maxWaitMs: 600 }),
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
      expect(
        (((patient.responses as Struct[])[0]!.partitions as Struct[])[0]!.records as Uint8Array).length,
      ).toBeGreaterThan(0);

      // a partition's max bytes below the first batch still returns that batch (progress), but no second one
      await kafka.call(M.Produce, 9, produceBody(topic, batch(["second"])));
      const small = await other.call(M.Fetch, 13, fetchBody(0, { partitionMaxBytes: 10 }));
      const smallRecords = ((small.responses as Struct[])[0]!.partitions as Struct[])[0]!.records as Uint8Array;
      const whole = await other.call(M.Fetch, 13, fetchBody(0));
      const wholeRecords = ((whole.responses as Struct[])[0]!.partitions as Struct[])[0]!.records as Uint8Array;
      expect(smallRecords.length).toBeGreaterThan(0);
      expect(smallRecords.length).toBeLessThan(wholeRecords.length);

      const beyond = await other.call(M.Fetch, 13, fetchBody(99, { maxWaitMs: 0 }));
      expect(((beyond.responses as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({
        errorCode: KafkaError.OFFSET_OUT_OF_RANGE,
        highWatermark: 2,
      });
      const unknownId = await other.call(M.Fetch, 13, {
        ...fetchBody(0),
        topics: [
          {
            topicId: "00000000-0000-0000-0000-00000000abcd",
            partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 100 }],
          },
        ],
      });
      expect(((unknownId.responses as Struct[])[0]!.partitions as Struct[])[0]!.errorCode).toBe(
        KafkaError.UNKNOWN_TOPIC_ID,
      );
    } finally {
      other.close();
    }
  });

  it("lists offsets (earliest, latest, by time, max timestamp) and ends epoch 0 at the high watermark", async () => {
    const topic = topicName();
    await server.log.createTopic(topic, 1);
    const ts = [1_700_000_000_000, 1_700_000_005_000, 1_700_000_002_000];
    await server.log.produce(
      topic,
      ts.map((t, i) => ({
        key: null,
        value: utf8(`v${i}`),
        timestamp: Date.now() - 60_000 + (t - ts[0]!),
        partition: 0,
      })),
    );
    const base = Date.now() - 60_000;
    const stamps = ts.map((t) => base + (t - ts[0]!));
    const list = async (timestamp: number) => {
      const a = await kafka.call(M.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp }] }],
      });
      return ((a.topics as Struct[])[0]!.partitions as Struct[])[0]!;
    };
    expect(await list(-2)).toMatchObject({ errorCode: 0, offset: 0 });
    expect(await list(-1)).toMatchObject({ errorCode: 0, offset: 3 });
    expect(await list(-3)).toMatchObject({ errorCode: 0, offset: 1 });
    expect((await list(stamps[0]! + 1)).offset).toBe(1);
    expect(await list(Date.now() + 3_600_000)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
    const epochs = await kafka.call(M.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }],
    });
    expect(((epochs.topics as Struct[])[0]!.partitions as Struct[])[0]).toMatchObject({
      errorCode: 0,
      leaderEpoch: 0,
      endOffset: 3,
    });
  });
});

describe("Kafka connections", () => {
  let server: KafkaTestServer;
  beforeAll(async () => {
    server = await startKafkaServer(embedded);
  });
  afterAll(async () => server?.dispose());

  it("answers pipelined requests in order, and the v0 fallback for an unsupported ApiVersions", async () => {
    const kafka = await RawKafka.open(server.bootstrap);
    try {
      const frames = [
        kafka.frame(M.Metadata, 1, { topics: null }, 1),
        kafka.frame(M.ApiVersions, 3, { clientSoftwareName: "raw", clientSoftwareVersion: "1" }, 2),
        kafka.frame(M.Metadata, 12, { topics: null }, 3),
        kafka.frame(M.ApiVersions, 99, {}, 4),
      ];
      kafka.write(Buffer.concat(frames));
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const payload = (await kafka.next())!;
        ids.push(new DataView(payload.buffer, payload.byteOffset).getInt32(0));
      }
      expect(ids).toEqual([1, 2, 3, 4]);
    } finally {
      kafka.close();
    }
    const again = await RawKafka.open(server.bootstrap);
    try {
      again.write(again.frame(M.ApiVersions, 99, {}, 9));
      const v0 = decodeResponse(M.ApiVersions, 0, (await again.next())!);
      expect(v0.body.errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
      expect((v0.body.apiKeys as Struct[]).find((k) => k.apiKey === 3)).toMatchObject({
        minVersion: 0,
        maxVersion: 12,
      });
      // any other unsupported version closes the connection, as a Kafka broker does
      again.write(again.frame(M.Metadata, 12, { topics: null }, 10).map((b, i) => (i === 7 ? 99 : b)));
      await again.whenClosed();
    } finally {
      again.close();
    }
  });

  it("garbage, truncated and oversized frames close that connection alone; the server keeps serving others", async () => {
    const healthy = await RawKafka.open(server.bootstrap);
    const cases: Uint8Array[] = [
      new Uint8Array([0x7f, 0xff, 0xff, 0xff]), // claims 2 GiB: refused from its size
      new Uint8Array([0xff, 0xff, 0xff, 0xfe, 1, 2]), // negative size
      Uint8Array.from([0, 0, 0, 6, 0, 3, 0, 9, 0, 0]), // header cut short
      (() => {
        const f = healthy.frame(M.Produce, 9, produceBody("t", batch(["x"])));
        const cut = f.slice(0, f.length - 5);
        new DataView(cut.buffer).setInt32(0, cut.length - 4); // a whole frame whose body is truncated
        return cut;
      })(),
    ];
    for (let i = 0; i < 200; i++) {
      const body = new Uint8Array(4 + Math.floor(Math.random() * 60)).map(() => Math.floor(Math.random() * 256));
      const frame = new Uint8Array(4 + body.length);
      new DataView(frame.buffer).setInt32(0, body.length);
      frame.set(body, 4);
      cases.push(frame);
    }
    try {
      for (const bytes of cases.slice(0, 4)) {
        const bad = await RawKafka.open(server.bootstrap);
        bad.write(bytes);
        await bad.whenClosed();
      }
      // random frames: each connection is either answered or closed, never hangs the server
      await Promise.all(
        cases.slice(4).map(async (bytes) => {
          const bad = await RawKafka.open(server.bootstrap);
          bad.write(bytes);
          await Promise.race([bad.whenClosed(), bad.next(2000).catch(() => undefined)]);
          bad.close();
        }),
      );
      const answer = await healthy.call(M.ApiVersions, 3, { clientSoftwareName: "raw", clientSoftwareVersion: "1" });
      expect(answer.errorCode).toBe(0);
    } finally {
      healthy.close();
    }
  });
});

describe("the Kafka listener in the server", () => {
  it("announces STRATA_KAFKA_ADVERTISED, creates topics only when configured, and closes with the server", async () => {
    const server = await startKafkaServer(embedded, {
      kafkaAdvertised: "kafka.example:19092",
      kafkaAutoCreatePartitions: 2,
    });
    const kafka = await RawKafka.open(`127.0.0.1:${server.kafka!.port}`);
    try {
      const meta = await kafka.call(M.Metadata, 9, { topics: [{ name: "auto-made" }], allowAutoTopicCreation: true });
      expect(meta.brokers).toEqual([{ nodeId: expect.any(Number), host: "kafka.example", port: 19092, rack: null }]);
      expect((meta.topics as Struct[])[0]).toMatchObject({ errorCode: 0, name: "auto-made" });
      expect(((meta.topics as Struct[])[0]!.partitions as Struct[]).length).toBe(2);
      const refused = await kafka.call(M.Metadata, 9, {
        topics: [{ name: "not-asked" }],
        allowAutoTopicCreation: false,
      });
      expect((refused.topics as Struct[])[0]!.errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      await server.dispose();
    }
    await kafka.whenClosed();
  });

  it("does not create topics a Metadata request names unless configured", async () => {
    const server = await startKafkaServer(embedded);
    const kafka = await RawKafka.open(server.bootstrap);
    try {
      const meta = await kafka.call(M.Metadata, 4, { topics: [{ name: "never-made" }], allowAutoTopicCreation: true });
      expect((meta.topics as Struct[])[0]!.errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
      expect(await server.log.listTopics()).not.toContain("never-made");
    } finally {
      kafka.close();
      await server.dispose();
    }
  });
});
