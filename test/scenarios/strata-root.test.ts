/**
 * The composition root builds the whole service for either backend from one config: embedded in a temporary
 * data directory, aws against the emulators. One clock drives the log as well as the groups, the embedded TTL
 * sweep runs as the backend's own chore after a maintenance pass, and the environment is read in one place.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { ManualClock } from "../../lib/storage/clock.js";
import { createStrata, type StrataConfig } from "../../lib/strata.js";
import { serverOptionsFromEnv, strataConfigFromEnv } from "../../lib/strata-config.js";
import { silentLogger } from "../../lib/util/logger.js";
import { awsTestStorage } from "../support/aws-storage.js";
import { client, startTestServer } from "./http-support.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const T0 = 1_700_000_000_000;

/** Creates a topic, produces one record and joins a group through the built service; returns what it read. */
async function roundTrip(config: StrataConfig) {
  const strata = await createStrata({ ...config, clock: new ManualClock(T0), logger: silentLogger });
  try {
    const topic = `root-${Date.now().toString(36)}`;
    await strata.log.createTopic(topic, 1);
    await strata.log.produce(topic, [{ key: null, value: enc.encode("hello"), partition: 0 }]);
    const read = await strata.log.fetch(topic, 0, { offset: 0 });
    const joined = await strata.groups.join(`g-${topic}`, { topics: [topic], memberId: "m-1" });
    return { records: read.records.map((r) => ({ value: dec.decode(r.value!), timestamp: r.timestamp })), joined };
  } finally {
    await strata.close();
  }
}

describe("createStrata", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("builds the embedded service in a data directory, the log on the one clock", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-root-"));
    dirs.push(dir);
    const { records, joined } = await roundTrip({ storage: { backend: "embedded", dataDir: dir, fsync: "never" } });
    expect(records).toEqual([{ value: "hello", timestamp: T0 }]);
    expect(joined.memberId).toBe("m-1");
  });

  it("builds the aws service on a bucket and a table", async () => {
    const aws = await awsTestStorage();
    try {
      const endpoints = inject("aws")!;
      const { records } = await roundTrip({
        storage: {
          backend: "aws",
          bucket: aws.bucket,
          table: aws.table,
          region: endpoints.region,
          s3Endpoint: endpoints.s3,
          dynamodbEndpoint: endpoints.dynamodb,
          ...(endpoints.credentials ? { credentials: endpoints.credentials } : {}),
        },
      });
      expect(records).toEqual([{ value: "hello", timestamp: T0 }]);
    } finally {
      await aws.cleanup();
    }
  });

  it("runs the embedded backend's TTL sweep after a maintenance pass, on the root's clock", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-root-"));
    dirs.push(dir);
    const clock = new ManualClock(T0);
    const strata = await createStrata({
      storage: { backend: "embedded", dataDir: dir, fsync: "never" },
      clock,
      logger: silentLogger,
    });
    try {
      const key = { pk: "test-ttl", sk: "x" };
      await strata.storage.ledger.write({ type: "put", key, attrs: { ttl: T0 / 1000 + 60 } });
      await strata.maintain();
      expect(await strata.storage.ledger.get(key)).toBeDefined();
      clock.advance(61_000);
      await strata.maintain();
      expect(await strata.storage.ledger.get(key)).toBeUndefined();
    } finally {
      await strata.close();
    }
  });
});

describe("the local server", () => {
  it("stamps records with the clock it was given, as its groups do", async () => {
    const server = await startTestServer({ clock: new ManualClock(T0), fsync: "never", maintenanceIntervalMs: 0 });
    try {
      const api = client(server.url);
      expect((await api.post("/v1/topics", { name: "clocked", partitions: 1 })).status).toBe(201);
      expect((await api.post("/v1/topics/clocked/records", { records: [{ value: "v", partition: 0 }] })).status).toBe(
        200,
      );
      const read = await api.get("/v1/topics/clocked/partitions/0/records?offset=0");
      expect(read.body.records.map((r: { timestamp: number }) => r.timestamp)).toEqual([T0]);
    } finally {
      await server.dispose();
    }
  });
});

describe("configuration from the environment", () => {
  it("defaults to the embedded backend in ./.strata at log level info", () => {
    expect(strataConfigFromEnv({})).toEqual({
      storage: { backend: "embedded", dataDir: "./.strata", fsync: "always" },
      topicDefaults: {},
      logLevel: "info",
    });
  });

  it("reads the aws backend's bucket, table and endpoints; functions force it", () => {
    const env = { STRATA_BUCKET: "b", STRATA_TABLE: "t", AWS_ENDPOINT_URL: "http://127.0.0.1:4566" };
    expect(strataConfigFromEnv(env, { backend: "aws" }).storage).toMatchObject({
      backend: "aws",
      bucket: "b",
      table: "t",
      s3Endpoint: "http://127.0.0.1:4566",
      dynamodbEndpoint: "http://127.0.0.1:4566",
    });
  });

  it("names the variable at fault", () => {
    expect(() => strataConfigFromEnv({ STRATA_BACKEND: "cloud" })).toThrow(/STRATA_BACKEND/);
    expect(() => strataConfigFromEnv({ STRATA_LOG_LEVEL: "loud" })).toThrow(/STRATA_LOG_LEVEL/);
    expect(() => strataConfigFromEnv({ STRATA_BACKEND: "aws" })).toThrow(/STRATA_BUCKET/);
    expect(() => serverOptionsFromEnv({ PORT: "70000" })).toThrow(/PORT/);
    expect(strataConfigFromEnv({ STRATA_LOG_LEVEL: "DEBUG" }).logLevel).toBe("debug");
  });

  it("reads the Kafka listener's port (9092 by default, 0 free, off none), advertised address and auto-creation", () => {
    expect(serverOptionsFromEnv({}).kafkaPort).toBe(9092);
    expect(serverOptionsFromEnv({ STRATA_KAFKA_PORT: "0" }).kafkaPort).toBe(0);
    expect(serverOptionsFromEnv({ STRATA_KAFKA_PORT: "off" }).kafkaPort).toBeUndefined();
    expect(serverOptionsFromEnv({ STRATA_KAFKA_ADVERTISED: "kafka.example:19092" }).kafkaAdvertised).toBe(
      "kafka.example:19092",
    );
    expect(serverOptionsFromEnv({ STRATA_KAFKA_AUTO_CREATE_TOPICS: "3" }).kafkaAutoCreatePartitions).toBe(3);
    expect(() => serverOptionsFromEnv({ STRATA_KAFKA_PORT: "kafka" })).toThrow(/STRATA_KAFKA_PORT/);
    expect(() => serverOptionsFromEnv({ STRATA_KAFKA_ADVERTISED: "no-port" })).toThrow(/STRATA_KAFKA_ADVERTISED/);
    expect(() => serverOptionsFromEnv({ STRATA_KAFKA_ADVERTISED: "h:99999" })).toThrow(/STRATA_KAFKA_ADVERTISED/);
    expect(() => serverOptionsFromEnv({ STRATA_KAFKA_AUTO_CREATE_TOPICS: "yes" })).toThrow(
      /STRATA_KAFKA_AUTO_CREATE_TOPICS/,
    );
  });
});
