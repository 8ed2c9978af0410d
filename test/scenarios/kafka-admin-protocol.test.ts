/**
 * The admin APIs' edges no off-the-shelf client sends on purpose, over this project's raw codec client: replica
 * assignments and replication factors, topic ids, duplicate names and keys, list operations on non-list keys,
 * validateOnly that changes nothing, broker resources, offsets beyond the high watermark, controller endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminError } from "../../lib/kafka/admin-errors.js";
import {
  AlterConfigs,
  CreatePartitions,
  CreateTopics,
  DeleteRecords,
  DeleteTopics,
  DescribeCluster,
  DescribeConfigs,
  IncrementalAlterConfigs,
} from "../../lib/kafka/protocol/messages/index.js";
import type { Struct } from "../../lib/kafka/protocol/schema.js";
import { embedded } from "../support/backends.js";
import { type KafkaTestServer, RawKafka, startKafkaServer, topicName } from "./kafka-support.js";

let server: KafkaTestServer;
let raw: RawKafka;

beforeAll(async () => {
  server = await startKafkaServer(embedded);
  raw = await RawKafka.open(server.bootstrap);
});
afterAll(async () => {
  raw?.close();
  await server?.dispose();
});

const topic = (over: Struct): Struct => ({
  name: topicName("adm"),
  numPartitions: 1,
  replicationFactor: 1,
  assignments: [],
  configs: [],
  ...over,
});
const create = async (topics: Struct[], validateOnly = false) =>
  ((await raw.call(CreateTopics, 7, { topics, timeoutMs: 1000, validateOnly })).topics as Struct[]).map((t) => [
    t.errorCode,
    t.numPartitions,
  ]);

describe("Kafka admin requests at the protocol's edges", () => {
  it("CreateTopics: replication factors and replica assignments as a Kafka user expects", async () => {
    expect(
      await create([topic({ replicationFactor: 3 }), topic({ replicationFactor: -1, numPartitions: -1 })]),
    ).toEqual([
      [AdminError.NONE, 1],
      [AdminError.NONE, 1],
    ]);
    expect(await create([topic({ replicationFactor: 0 })])).toEqual([[AdminError.INVALID_REPLICATION_FACTOR, -1]]);
    const assigned = (a: { partitionIndex: number; brokerIds: number[] }[], n = -1, rf = -1) =>
      topic({ numPartitions: n, replicationFactor: rf, assignments: a });
    expect(
      await create([
        assigned([
          { partitionIndex: 0, brokerIds: [7] },
          { partitionIndex: 1, brokerIds: [8, 9] },
        ]),
        assigned([{ partitionIndex: 1, brokerIds: [7] }]),
        assigned([{ partitionIndex: 0, brokerIds: [7] }], 1, -1),
      ]),
    ).toEqual([
      [AdminError.NONE, 2],
      [AdminError.INVALID_REPLICA_ASSIGNMENT, -1],
      [AdminError.INVALID_REQUEST, -1],
    ]);
  });

  it("CreateTopics: a name listed twice is INVALID_REQUEST and neither is created; validateOnly creates nothing", async () => {
    const name = topicName("twice");
    expect(await create([topic({ name }), topic({ name })])).toEqual([
      [AdminError.INVALID_REQUEST, -1],
      [AdminError.INVALID_REQUEST, -1],
    ]);
    expect(await create([topic({ name, numPartitions: 4 })], true)).toEqual([[AdminError.NONE, 4]]);
    expect(await server.log.listTopics()).not.toContain(name);
  });

  it("DeleteTopics v6 by topic id; an unknown id is UNKNOWN_TOPIC_ID", async () => {
    const name = topicName("byid");
    const { id } = await server.log.createTopic(name, 1);
    const answer = await raw.call(DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: null, topicId: "00000000-0000-0000-0000-0000000000aa" },
      ],
      timeoutMs: 1000,
    });
    expect((answer.responses as Struct[]).map((r) => [r.name, r.errorCode])).toEqual([
      [name, AdminError.NONE],
      [null, AdminError.UNKNOWN_TOPIC_ID],
    ]);
    expect(await server.log.listTopics()).not.toContain(name);
  });

  it("CreatePartitions: the same count is INVALID_PARTITIONS; assignments must match the new partitions", async () => {
    const name = topicName("grow");
    await server.log.createTopic(name, 2);
    const answer = await raw.call(CreatePartitions, 3, {
      topics: [{ name, count: 2, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect((answer.results as Struct[])[0]!.errorCode).toBe(AdminError.INVALID_PARTITIONS);
    const wrong = await raw.call(CreatePartitions, 3, {
      topics: [{ name, count: 4, assignments: [{ brokerIds: [1] }] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect((wrong.results as Struct[])[0]!.errorCode).toBe(AdminError.INVALID_REPLICA_ASSIGNMENT);
    expect((await server.log.topicMetadata(name)).partitions).toBe(2);
  });

  it("IncrementalAlterConfigs: APPEND on a non-list key is INVALID_CONFIG, a key twice INVALID_REQUEST, nothing changes", async () => {
    const name = topicName("incr");
    await server.log.createTopic(name, 1, { "retention.ms": "1000" });
    const alter = async (configs: Struct[], validateOnly = false) =>
      (
        (
          await raw.call(IncrementalAlterConfigs, 1, {
            resources: [{ resourceType: 2, resourceName: name, configs }],
            validateOnly,
          })
        ).responses as Struct[]
      )[0]!.errorCode;
    expect(await alter([{ name: "retention.ms", configOperation: 2, value: "5" }])).toBe(AdminError.INVALID_CONFIG);
    expect(
      await alter([
        { name: "retention.ms", configOperation: 0, value: "5000" },
        { name: "retention.ms", configOperation: 1, value: null },
      ]),
    ).toBe(AdminError.INVALID_REQUEST);
    expect(await alter([{ name: "retention.ms", configOperation: 0, value: "5000" }], true)).toBe(AdminError.NONE);
    expect((await server.log.describeTopic(name)).config["retention.ms"]).toBe("1000");
  });

  it("AlterConfigs on a broker is POLICY_VIOLATION; DescribeConfigs of another resource type is INVALID_REQUEST", async () => {
    const altered = await raw.call(AlterConfigs, 1, {
      resources: [{ resourceType: 4, resourceName: "", configs: [{ name: "num.partitions", value: "3" }] }],
      validateOnly: false,
    });
    expect((altered.responses as Struct[])[0]!.errorCode).toBe(AdminError.POLICY_VIOLATION);
    const described = await raw.call(DescribeConfigs, 4, {
      resources: [{ resourceType: 8, resourceName: "", configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect((described.results as Struct[])[0]!.errorCode).toBe(AdminError.INVALID_REQUEST);
  });

  it("DeleteRecords beyond the high watermark is OFFSET_OUT_OF_RANGE and -1 means the high watermark", async () => {
    const name = topicName("del");
    await server.log.createTopic(name, 1);
    await server.api.post(`/v1/topics/${name}/records`, { records: [{ value: "a" }, { value: "b" }] });
    const answer = await raw.call(DeleteRecords, 2, {
      topics: [{ name, partitions: [{ partitionIndex: 0, offset: 5 }] }],
      timeoutMs: 1000,
    });
    expect((answer.topics as { partitions: Struct[] }[])[0]!.partitions[0]).toMatchObject({
      errorCode: AdminError.OFFSET_OUT_OF_RANGE,
      lowWatermark: -1,
    });
    const all = await raw.call(DeleteRecords, 2, {
      topics: [{ name, partitions: [{ partitionIndex: 0, offset: -1 }] }],
      timeoutMs: 1000,
    });
    expect((all.topics as { partitions: Struct[] }[])[0]!.partitions[0]).toMatchObject({
      errorCode: AdminError.NONE,
      lowWatermark: 2,
    });
  });

  it("DescribeCluster lists this listener; asking a broker for controllers is MISMATCHED_ENDPOINT_TYPE", async () => {
    const brokers = await raw.call(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(brokers.errorCode).toBe(AdminError.NONE);
    expect((brokers.brokers as Struct[]).map((b) => `${b.host}:${b.port}`)).toEqual([server.bootstrap]);
    expect(brokers.controllerId).toBe((brokers.brokers as Struct[])[0]!.brokerId);
    const controllers = await raw.call(DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 2,
    });
    expect(controllers.errorCode).toBe(AdminError.MISMATCHED_ENDPOINT_TYPE);
  });
});
