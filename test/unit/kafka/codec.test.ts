/**
 * The Kafka codec: every message table round-trips at every version it serves (fast-check values drawn from the
 * tables themselves), garbage only ever raises ProtocolError, frames are checked before anything is allocated,
 * and requests encoded by kafkajs (an implementation nobody here wrote) decode and re-encode to the same bytes,
 * while kafkajs reads the responses this codec writes.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readRequestBody,
  readRequestHeader,
} from "../../../lib/kafka/protocol/codec.js";
import { FrameReader } from "../../../lib/kafka/protocol/frame.js";
import * as M from "../../../lib/kafka/protocol/messages/index.js";
import { ProtocolError, Reader, Writer } from "../../../lib/kafka/protocol/primitives.js";
import {
  type ApiSpec,
  defaultOf,
  type Field,
  inRange,
  type Primitive,
  type Struct,
} from "../../../lib/kafka/protocol/schema.js";

const require = createRequire(import.meta.url);
const kafkajsRequest = (path: string) => require(`kafkajs/src/protocol/requests/${path}/request.js`);
const kafkajsResponse = (path: string) => require(`kafkajs/src/protocol/requests/${path}/response.js`);
const kafkajsFrame = require("kafkajs/src/protocol/request.js");

const int = (bits: number) => fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 });

function primitiveArb(type: Primitive, nullable: boolean): fc.Arbitrary<unknown> {
  const base: fc.Arbitrary<unknown> = (() => {
    switch (type) {
      case "int8":
        return int(8);
      case "int16":
        return int(16);
      case "uint16":
        return fc.integer({ min: 0, max: 65535 });
      case "int32":
        return int(32);
      case "int64":
        return fc.maxSafeInteger();
      case "float64":
        return fc.double({ noNaN: true });
      case "bool":
        return fc.boolean();
      case "uuid":
        return fc.uuid();
      case "string":
        return fc.string({ maxLength: 20, unit: "grapheme" });
      case "bytes":
      case "records":
        return fc.uint8Array({ maxLength: 40 });
    }
  })();
  return nullable ? fc.option(base, { nil: null }) : base;
}

function fieldArb(field: Field, v: number): fc.Arbitrary<unknown> {
  const nullable = inRange(field.nullable, v) || field.type === "records";
  if (field.type === "array") {
    const item = field.fields ? structArb(field.fields, v) : primitiveArb(field.items!, false);
    const list = fc.array(item, { maxLength: 3 });
    return nullable ? fc.option(list, { nil: null }) : list;
  }
  if (field.type === "struct") return structArb(field.fields!, v);
  return primitiveArb(field.type, nullable);
}

/** Values for the fields present in `v`; absent ones hold what decoding fills in (their defaults). */
function structArb(fields: Field[], v: number): fc.Arbitrary<Struct> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) {
    model[field.name] = inRange(field.versions, v) ? fieldArb(field, v) : fc.constant(defaultOf(field));
  }
  return fc.record(model) as fc.Arbitrary<Struct>;
}

const versionsOf = (spec: ApiSpec) =>
  Array.from({ length: spec.versions[1] - spec.versions[0] + 1 }, (_, i) => spec.versions[0] + i);

const join = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

/** A struct with its tagged fields left at their defaults where the table says "absent" (what a decode yields). */
function normalize(fields: Field[], value: Struct, v: number): Struct {
  const out: Struct = {};
  for (const field of fields) {
    let x = value[field.name];
    if (field.type === "struct" && x !== null && x !== undefined) x = normalize(field.fields!, x as Struct, v);
    if (field.type === "array" && field.fields && Array.isArray(x)) {
      x = x.map((e) => normalize(field.fields!, e as Struct, v));
    }
    if (field.tag !== undefined && inRange(field.tagged, v) && Array.isArray(x) && x.length === 0) {
      x = defaultOf(field);
    }
    out[field.name] = x;
  }
  return out;
}

describe("message tables round-trip at every version they serve", () => {
  for (const spec of M.MESSAGES) {
    for (const v of versionsOf(spec)) {
      it(`${spec.name} v${v} request and response`, () => {
        fc.assert(
          fc.property(structArb(spec.request, v), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (body, correlationId) => {
            const frame = encodeRequest(
              spec,
              { apiKey: spec.apiKey, apiVersion: v, correlationId, clientId: "c" },
              body,
            );
            const r = new Reader(frame.subarray(4));
            const header = readRequestHeader(r);
            expect(header).toEqual({ apiKey: spec.apiKey, apiVersion: v, correlationId, clientId: "c" });
            expect(readRequestBody(r, spec, v)).toEqual(normalize(spec.request, body, v));
          }),
          { numRuns: 6 },
        );
        fc.assert(
          fc.property(structArb(spec.response, v), (body) => {
            const payload = join(encodeResponse(spec, v, 7, body)).subarray(4);
            expect(decodeResponse(spec, v, payload)).toEqual({
              correlationId: 7,
              body: normalize(spec.response, body, v),
            });
          }),
          { numRuns: 6 },
        );
      });
    }
  }
});

describe("bad bytes", () => {
  it("a garbage or truncated body raises ProtocolError and nothing else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...M.MESSAGES), fc.nat(20), fc.uint8Array({ maxLength: 64 }), (spec, k, bytes) => {
        const v = spec.versions[0] + (k % (spec.versions[1] - spec.versions[0] + 1));
        try {
          readRequestBody(new Reader(bytes), spec, v);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("an array claiming more entries than bytes left is refused before it is built", () => {
    const w = new Writer().int32(0x7fffffff);
    expect(() => new Reader(w.toBytes()).arrayLength(false)).toThrow(ProtocolError);
  });

  it("a frame larger than the maximum is refused from its size alone", () => {
    const frames = new FrameReader(1024);
    expect(() => frames.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]))).toThrow(/frame size/);
    expect(() => new FrameReader(1024).push(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(/frame size/);
  });

  it("frames split across chunks, and several in one chunk, come out whole and in order", () => {
    const a = encodeRequest(M.ApiVersions, { apiKey: 18, apiVersion: 0, correlationId: 1, clientId: null }, {});
    const b = encodeRequest(
      M.Metadata,
      { apiKey: 3, apiVersion: 1, correlationId: 2, clientId: "x" },
      { topics: null },
    );
    const all = join([a, b, a]);
    const frames = new FrameReader();
    const out: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 3) out.push(...frames.push(all.subarray(i, i + 3)));
    expect(out.map((f) => readRequestHeader(new Reader(f)).correlationId)).toEqual([1, 2, 1]);
    expect(frames.pending).toBe(0);
  });
});

/** kafkajs's request frame, decoded by us and encoded again: the same bytes. */
async function sameAsKafkajs(spec: ApiSpec, request: { apiVersion: number; encode: () => Promise<unknown> }) {
  const frame: { buffer: Buffer } = await kafkajsFrame({ correlationId: 42, clientId: "kafkajs", request });
  const bytes = new Uint8Array(frame.buffer);
  const r = new Reader(bytes.subarray(4));
  const header = readRequestHeader(r);
  expect(header).toMatchObject({ apiKey: spec.apiKey, apiVersion: request.apiVersion, correlationId: 42 });
  const body = readRequestBody(r, spec, header.apiVersion);
  expect(Buffer.from(encodeRequest(spec, header, body))).toEqual(Buffer.from(bytes));
  return body;
}

describe("requests as kafkajs encodes them", () => {
  it("ApiVersions v0-v2 and Metadata v0-v6", async () => {
    for (const v of [0, 1, 2]) await sameAsKafkajs(M.ApiVersions, kafkajsRequest(`apiVersions/v${v}`)());
    for (const v of [0, 1, 2, 3, 4, 5, 6]) {
      const body = await sameAsKafkajs(M.Metadata, kafkajsRequest(`metadata/v${v}`)({ topics: ["a", "bb"] }));
      expect((body.topics as Struct[]).map((t) => t.name)).toEqual(["a", "bb"]);
    }
  });

  it("Produce v3-v7 with records", async () => {
    for (const v of [3, 4, 5, 6, 7]) {
      const req = kafkajsRequest(`produce/v${v}`)({
        acks: -1,
        timeout: 30000,
        topicData: [{ topic: "t", partitions: [{ partition: 2, messages: [{ key: "k", value: "v", timestamp: 5 }] }] }],
      });
      const body = await sameAsKafkajs(M.Produce, req);
      const partition = (body.topicData as Struct[])[0]!.partitionData as Struct[];
      expect(partition[0]!.index).toBe(2);
      expect((partition[0]!.records as Uint8Array).length).toBeGreaterThan(61);
    }
  });

  it("Fetch v4-v11, ListOffsets v1-v3, InitProducerId v0-v1", async () => {
    const topics = [{ topic: "t", partitions: [{ partition: 0, fetchOffset: "12", maxBytes: 1024 }] }];
    for (const v of [4, 5, 6, 7, 8, 9, 10, 11]) {
      const body = await sameAsKafkajs(
        M.Fetch,
        kafkajsRequest(`fetch/v${v}`)({ replicaId: -1, maxWaitTime: 100, minBytes: 1, maxBytes: 4096, topics }),
      );
      expect(((body.topics as Struct[])[0]!.partitions as Struct[])[0]!.fetchOffset).toBe(12);
    }
    const lo = [{ topic: "t", partitions: [{ partition: 1, timestamp: -2 }] }];
    for (const v of [1, 2, 3]) {
      await sameAsKafkajs(
        M.ListOffsets,
        kafkajsRequest(`listOffsets/v${v}`)({ replicaId: -1, isolationLevel: 1, topics: lo }),
      );
    }
    for (const v of [0, 1]) {
      await sameAsKafkajs(
        M.InitProducerId,
        kafkajsRequest(`initProducerId/v${v}`)({ transactionalId: null, transactionTimeout: 5 }),
      );
    }
  });

  it("the admin requests kafkajs sends", async () => {
    const topics = [{ topic: "t", numPartitions: 3, replicationFactor: 1, configEntries: [{ name: "a", value: "1" }] }];
    for (const v of [0, 1, 2, 3])
      await sameAsKafkajs(M.CreateTopics, kafkajsRequest(`createTopics/v${v}`)({ topics, timeout: 1 }));
    for (const v of [0, 1])
      await sameAsKafkajs(M.DeleteTopics, kafkajsRequest(`deleteTopics/v${v}`)({ topics: ["a", "b"], timeout: 1 }));
    for (const v of [0, 1]) {
      await sameAsKafkajs(
        M.CreatePartitions,
        kafkajsRequest(`createPartitions/v${v}`)({
          topicPartitions: [{ topic: "t", count: 4, assignments: [[1], [2]] }],
        }),
      );
    }
    const resources = [{ type: 2, name: "t", configNames: ["retention.ms"] }];
    for (const v of [0, 1, 2])
      await sameAsKafkajs(M.DescribeConfigs, kafkajsRequest(`describeConfigs/v${v}`)({ resources }));
    const alter = [{ type: 2, name: "t", configEntries: [{ name: "retention.ms", value: "5" }] }];
    for (const v of [0, 1])
      await sameAsKafkajs(M.AlterConfigs, kafkajsRequest(`alterConfigs/v${v}`)({ resources: alter }));
    const del = [{ topic: "t", partitions: [{ partition: 0, offset: "7" }] }];
    for (const v of [0, 1])
      await sameAsKafkajs(M.DeleteRecords, kafkajsRequest(`deleteRecords/v${v}`)({ topics: del }));
  });
});

/** Our response, read by kafkajs's decoder for that version. */
async function kafkajsReads(spec: ApiSpec, path: string, v: number, body: Struct) {
  const payload = Buffer.from(join(encodeResponse(spec, v, 9, body)).subarray(8));
  return kafkajsResponse(path).decode(payload);
}

describe("responses as kafkajs reads them", () => {
  it("ApiVersions v2 and Metadata v6", async () => {
    const api = await kafkajsReads(M.ApiVersions, "apiVersions/v2", 2, {
      apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }],
      throttleTimeMs: 0,
    });
    expect(api.apiVersions).toEqual([{ apiKey: 3, minVersion: 0, maxVersion: 12 }]);
    const meta = await kafkajsReads(M.Metadata, "metadata/v6", 6, {
      brokers: [{ nodeId: 5, host: "h", port: 9092, rack: null }],
      clusterId: "c",
      controllerId: 5,
      topics: [
        {
          errorCode: 0,
          name: "t",
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 5, replicaNodes: [5], isrNodes: [5], offlineReplicas: [] },
          ],
        },
      ],
    });
    expect(meta.brokers).toEqual([{ nodeId: 5, host: "h", port: 9092, rack: null }]);
    expect(meta.topicMetadata[0].partitionMetadata[0]).toMatchObject({ partitionId: 0, leader: 5, replicas: [5] });
  });

  it("Produce v7, Fetch v11 with stored batches, ListOffsets v3, InitProducerId v1", async () => {
    const produce = await kafkajsReads(M.Produce, "produce/v7", 7, {
      responses: [{ name: "t", partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 40, logStartOffset: 3 }] }],
    });
    expect(produce.topics[0].partitions[0]).toMatchObject({
      partition: 1,
      errorCode: 0,
      baseOffset: "40",
      logStartOffset: "3",
    });

    const { encodeRecordBatch } = await import("../../../lib/format/record-batch.js");
    const batch = encodeRecordBatch([{ key: null, value: new TextEncoder().encode("v"), headers: [], timestamp: 9 }], {
      baseOffset: 17,
    });
    const fetch = await kafkajsReads(M.Fetch, "fetch/v11", 11, {
      responses: [
        {
          topic: "t",
          partitions: [
            { partitionIndex: 0, highWatermark: 18, lastStableOffset: 18, logStartOffset: 0, records: [batch] },
          ],
        },
      ],
    });
    const p = fetch.responses[0].partitions[0];
    expect(p).toMatchObject({ partition: 0, highWatermark: "18", lastStableOffset: "18" });
    expect(p.messages.map((m: { offset: string; value: Buffer }) => [m.offset, m.value.toString()])).toEqual([
      ["17", "v"],
    ]);

    const lo = await kafkajsReads(M.ListOffsets, "listOffsets/v3", 3, {
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, timestamp: 5, offset: 8 }] }],
    });
    expect(lo.responses[0].partitions[0]).toMatchObject({ partition: 0, offset: "8", timestamp: "5" });

    const init = await kafkajsReads(M.InitProducerId, "initProducerId/v1", 1, { producerId: 77, producerEpoch: 2 });
    expect(init).toMatchObject({ producerId: "77", producerEpoch: 2 });
  });
});
