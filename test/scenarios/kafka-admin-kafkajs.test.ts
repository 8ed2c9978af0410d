/**
 * kafkajs's admin client against the Kafka listener of a real server (embedded backend, Kafka port 0): topics
 * created, grown, described, reconfigured and deleted, records deleted, offsets looked up by position and by
 * timestamp, with Kafka's error codes where a Kafka broker refuses.
 */
import { type Admin, Kafka, logLevel, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  server = await startTestServer({ kafkaPort: 0 });
  kafka = new Kafka({
    clientId: "admin-test",
    brokers: [server.kafka!.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50 },
  });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await server?.dispose();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers; the tests assert on them
const http = (path: string): Promise<any> => fetch(`${server.url}${path}`).then((r) => r.json());

describe("kafkajs admin", () => {
  it("creates topics with partitions and configs, which the HTTP API sees", async () => {
    const created = await admin.createTopics({
      topics: [
        {
          topic: "admin-orders",
          numPartitions: 3,
          replicationFactor: 3,
          configEntries: [
            { name: "retention.ms", value: "3600000" },
            { name: "min.insync.replicas", value: "2" },
          ],
        },
      ],
    });
    expect(created).toBe(true);
    const topic = await http("/v1/topics/admin-orders");
    expect(topic.partitions).toHaveLength(3);
    expect(topic.config["retention.ms"]).toBe("3600000");
    expect(await admin.listTopics()).toContain("admin-orders");
  });

  it("answers TOPIC_ALREADY_EXISTS for an existing topic (createTopics resolves false)", async () => {
    await expect(admin.createTopics({ topics: [{ topic: "admin-orders", numPartitions: 1 }] })).resolves.toBe(false);
    await expect(
      admin.createTopics({
        topics: [{ topic: "admin-orders", numPartitions: 1 }],
        validateOnly: true,
        waitForLeaders: false,
      }),
    ).resolves.toBe(false);
  });

  it("refuses an unknown config key with INVALID_CONFIG and bad partition counts with INVALID_PARTITIONS", async () => {
    await expect(
      admin.createTopics({
        topics: [{ topic: "admin-bad-config", numPartitions: 1, configEntries: [{ name: "no.such.key", value: "1" }] }],
      }),
    ).rejects.toMatchObject({ errors: [{ type: "INVALID_CONFIG" }] });
    await expect(
      admin.createTopics({ topics: [{ topic: "admin-bad-parts", numPartitions: 0 }] }),
    ).rejects.toMatchObject({
      errors: [{ type: "INVALID_PARTITIONS" }],
    });
    const names = await admin.listTopics();
    expect(names).not.toContain("admin-bad-config");
    expect(names).not.toContain("admin-bad-parts");
  });

  it("validateOnly checks a creation without creating the topic", async () => {
    // kafkajs would wait for the topic's leaders, which a validation never creates
    await admin.createTopics({
      topics: [{ topic: "admin-dry", numPartitions: 2 }],
      validateOnly: true,
      waitForLeaders: false,
    });
    expect(await admin.listTopics()).not.toContain("admin-dry");
  });

  it("describes a topic's configs with their sources: own values dynamic, the rest Kafka's defaults", async () => {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: "admin-orders" }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(resources[0]!.configEntries.map((c) => [c.configName, c]));
    expect(entries["retention.ms"]).toMatchObject({ configValue: "3600000", isDefault: false, configSource: 1 });
    expect(entries["cleanup.policy"]).toMatchObject({ configValue: "delete", isDefault: true, configSource: 5 });
    expect(entries["min.insync.replicas"]).toMatchObject({ configValue: "1", readOnly: true });
  });

  it("describes a broker's settings, read-only", async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 4, name: String(cluster.brokers[0]!.nodeId) }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(resources[0]!.configEntries.map((c) => [c.configName, c]));
    expect(entries["broker.id"]!.configValue).toBe(String(cluster.brokers[0]!.nodeId));
    expect(entries["auto.create.topics.enable"]!.configValue).toBe("false");
  });

  it("alters a topic's configs (the whole set) and refuses a bad value with INVALID_CONFIG, changing nothing", async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: "admin-orders", configEntries: [{ name: "cleanup.policy", value: "compact" }] }],
    });
    let topic = await http("/v1/topics/admin-orders");
    expect(topic.config["cleanup.policy"]).toBe("compact");
    // the whole set: retention.ms, not named, went back to its default
    expect(topic.config["retention.ms"]).toBe("604800000");

    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: "admin-orders", configEntries: [{ name: "retention.ms", value: "soon" }] }],
      }),
    ).rejects.toMatchObject({ type: "INVALID_CONFIG" });
    topic = await http("/v1/topics/admin-orders");
    expect(topic.config["cleanup.policy"]).toBe("compact");
  });

  it("grows a topic with createPartitions and refuses shrinking with INVALID_PARTITIONS", async () => {
    await admin.createPartitions({ topicPartitions: [{ topic: "admin-orders", count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ["admin-orders"] });
    expect(meta.topics[0]!.partitions).toHaveLength(5);
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: "admin-orders", count: 2 }] }),
    ).rejects.toMatchObject({ type: "INVALID_PARTITIONS" });
    await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: "admin-orders", count: 9 }] });
    expect((await http("/v1/topics/admin-orders")).partitions).toHaveLength(5);
  });

  it("fetches offsets, by timestamp too, and deletes records up to an offset", async () => {
    await admin.createTopics({ topics: [{ topic: "admin-events", numPartitions: 1 }] });
    const t0 = Date.now() - 60_000;
    await producer.send({
      topic: "admin-events",
      messages: Array.from({ length: 10 }, (_, i) => ({
        value: `e${i}`,
        partition: 0,
        timestamp: String(t0 + i * 1000),
      })),
    });
    expect(await admin.fetchTopicOffsets("admin-events")).toEqual([
      { partition: 0, offset: "10", high: "10", low: "0" },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp("admin-events", t0 + 4500)).toEqual([
      { partition: 0, offset: "5" },
    ]);
    // after the last record's timestamp: no record, so the end of the log
    expect(await admin.fetchTopicOffsetsByTimestamp("admin-events", Date.now())).toEqual([
      { partition: 0, offset: "10" },
    ]);

    await admin.deleteTopicRecords({ topic: "admin-events", partitions: [{ partition: 0, offset: "4" }] });
    expect(await admin.fetchTopicOffsets("admin-events")).toEqual([
      { partition: 0, offset: "10", high: "10", low: "4" },
    ]);
    const http0 = await http("/v1/topics/admin-events");
    expect(http0.partitions[0].logStartOffset).toBe(4);
  });

  it("deletes topics and answers UNKNOWN_TOPIC_OR_PARTITION for one that does not exist", async () => {
    await admin.deleteTopics({ topics: ["admin-orders"] });
    expect(await admin.listTopics()).not.toContain("admin-orders");
    // retriable for kafkajs, as with a Kafka broker: it gives up after its retries
    await expect(admin.deleteTopics({ topics: ["admin-never"] })).rejects.toMatchObject({
      cause: { type: "UNKNOWN_TOPIC_OR_PARTITION" },
    });
  });
});
