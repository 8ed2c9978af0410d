/**
 * @platformatic/kafka (1.35, Node 20 line) against the Kafka listener: its admin creates, grows, describes,
 * reconfigures and deletes topics; its idempotent producer writes; its consumer reads back without a group
 * (a direct Fetch by topic id), and the HTTP API reads the same records. Its zstd needs node:zlib's zstd, which
 * Node 20 lacks (the client refuses with UnsupportedCompressionError), so zstd is covered with kcat instead.
 */
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./http-support.js";
import { fetchPartitionZero } from "./platformatic-support.js";

let server: TestServer;
let admin: Admin;
const base = () => ({ clientId: "platformatic-test", bootstrapBrokers: [server.kafka!.bootstrap], retries: 1 });

beforeAll(async () => {
  server = await startTestServer({ kafkaPort: 0 });
  admin = new Admin(base());
});

afterAll(async () => {
  await admin?.close();
  await server?.dispose();
});

describe("@platformatic/kafka", () => {
  it("administers topics: create, describe configs, alter incrementally, grow, delete", async () => {
    const created = await admin.createTopics({
      topics: ["pk-admin"],
      partitions: 2,
      replicas: 1,
      configs: [{ name: "retention.ms", value: "7200000" }],
    });
    expect(created[0]).toMatchObject({ name: "pk-admin", partitions: 2 });

    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: 2,
          resourceName: "pk-admin",
          configs: [
            { name: "cleanup.policy", configOperation: 2, value: "compact" },
            { name: "retention.ms", configOperation: 1 },
          ],
        },
      ],
    });
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: "pk-admin", configurationKeys: ["cleanup.policy", "retention.ms"] }],
      includeSynonyms: true,
    });
    const byName = Object.fromEntries(described!.configs.map((c) => [c.name, c]));
    expect(byName["cleanup.policy"]).toMatchObject({ value: "compact,delete", configSource: 1 });
    expect(byName["retention.ms"]).toMatchObject({ value: "604800000", configSource: 5 });

    await admin.createPartitions({ topics: [{ name: "pk-admin", count: 4, assignments: [] }] });
    const meta = await admin.metadata({ topics: ["pk-admin"] });
    expect(meta.topics.get("pk-admin")!.partitionsCount).toBe(4);

    await admin.deleteTopics({ topics: ["pk-admin"] });
    expect(await admin.listTopics()).not.toContain("pk-admin");
  });

  it("refuses to alter a broker's settings (POLICY_VIOLATION: see kafka-admin-protocol.test.ts)", async () => {
    const meta = await admin.metadata({ topics: [] });
    const brokerId = [...meta.brokers.keys()][0]!;
    await expect(
      admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 4,
            resourceName: String(brokerId),
            configs: [{ name: "num.partitions", configOperation: 0, value: "3" }],
          },
        ],
      }),
    ).rejects.toThrow();
  });

  it("produces idempotently and reads back without a group, identical over HTTP", async () => {
    await admin.createTopics({ topics: ["pk-data"], partitions: 1, replicas: 1 });
    const producer = new Producer({
      ...base(),
      idempotent: true,
      compression: "gzip",
      serializers: stringSerializers,
    });
    const values = Array.from({ length: 20 }, (_, i) => `platformatic-${i}`);
    await producer.send({
      messages: values.map((value, i) => ({
        topic: "pk-data",
        partition: 0,
        key: `k${i}`,
        value,
        headers: { h: "v" },
      })),
    });
    await producer.close();

    const consumer = new Consumer({ ...base(), groupId: "unused", deserializers: stringDeserializers });
    try {
      const partition = await fetchPartitionZero(consumer, "pk-data");
      expect(partition.errorCode).toBe(0);
      const read = partition.records.map((r) => Buffer.from(r.value ?? []).toString());
      expect(read).toEqual(values);
    } finally {
      await consumer.close();
    }

    const http = await fetch(`${server.url}/v1/topics/pk-data/partitions/0/records?offset=0&maxRecords=100`);
    const body = (await http.json()) as { records: { value: string; key: string; headers: unknown[] }[] };
    expect(body.records.map((r) => r.value)).toEqual(values);
    expect(body.records[3]).toMatchObject({ key: "k3" });
    expect(body.records[3]!.headers).toHaveLength(1);
  });
});
