/**
 * The SDK producer and admin against a real local server: batching over the binary media type, compression,
 * the client-side Kafka partitioner, and idempotent retries through injected faults (a refused request and a lost
 * acknowledgement) that must never duplicate a record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../client/src/codec.js";
import { ProblemError, Strata, StrataClientError } from "../../client/src/index.js";
import { readAllRecords, startFaultProxy, startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

const enc = new TextEncoder();
const fastRetry = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe("producer", () => {
  it("batches keyed records onto Kafka's partition of each key, in order, and resolves to their offsets", async () => {
    // Prepare
    const strata = new Strata({ url: srv.url });
    await strata.admin().createTopic("orders", { partitions: 4 });
    const producer = strata.producer({ lingerMs: 20, compression: "lz4" });
    const records = Array.from({ length: 600 }, (_, i) => ({ key: `customer-${i % 17}`, value: `order-${i}` }));

    // Act: several concurrent sends share batches
    const results = await Promise.all([
      producer.send("orders", records.slice(0, 300)),
      producer.send("orders", records.slice(300)),
    ]);
    await producer.close();

    // Assess
    const metas = results.flat();
    expect(metas).toHaveLength(600);
    metas.forEach((m, i) => {
      expect(m.partition).toBe(partitionForKey(enc.encode(records[i]!.key), 4));
    });
    const stored = await readAllRecords(srv.url, "orders");
    expect(stored).toHaveLength(600);
    const byOffset = new Map(stored.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    metas.forEach((m, i) => {
      expect(byOffset.get(`${m.partition}/${m.offset}`)).toBe(records[i]!.value);
    });
    // per key, offsets rise in send order
    const lastOffset = new Map<string, number>();
    metas.forEach((m, i) => {
      const k = records[i]!.key;
      expect(m.offset).toBeGreaterThan(lastOffset.get(k) ?? -1);
      lastOffset.set(k, m.offset);
    });
  });

  it("sends few requests: linger gathers records into one batch per partition", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      await strata.admin().createTopic("lingered", { partitions: 2 });
      const producer = strata.producer({ lingerMs: 50, compression: "gzip" });
      const sends = Array.from({ length: 200 }, (_, i) =>
        producer.send("lingered", { value: `v${i}`, partition: i % 2 }),
      );
      await Promise.all(sends);
      await producer.close();
      const produces = proxy.log.filter((r) => r.method === "POST" && r.path.includes("/partitions/"));
      expect(produces).toHaveLength(2);
      expect(await readAllRecords(srv.url, "lingered")).toHaveLength(200);
    } finally {
      await proxy.close();
    }
  });

  it("retries refused requests and lost acknowledgements without writing any record twice", async () => {
    // Prepare: every third produce request is refused, every third one after that is applied but its answer lost
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      await strata.admin().createTopic("faulty", { partitions: 3 });
      let produces = 0;
      proxy.plan = ({ method, path }) => {
        if (method !== "POST" || !path.includes("/partitions/")) return "pass";
        produces++;
        if (produces % 3 === 1) return "drop-answer";
        if (produces % 3 === 2) return "refuse";
        return "pass";
      };
      const producer = strata.producer({ lingerMs: 2, batchSize: 2000, retry: fastRetry });

      // Act
      const values = Array.from({ length: 300 }, (_, i) => `r${i}`);
      const metas = (
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            producer.send(
              "faulty",
              values.slice(j * 30, j * 30 + 30).map((value, i) => ({ key: `k${(j * 30 + i) % 7}`, value })),
            ),
          ),
        )
      ).flat();
      await producer.close();

      // Assess: faults really happened, every record is stored exactly once, at the offset send() reported
      expect(proxy.log.filter((r) => r.fault === "drop-answer").length).toBeGreaterThan(2);
      expect(proxy.log.filter((r) => r.fault === "refuse").length).toBeGreaterThan(2);
      const stored = await readAllRecords(srv.url, "faulty");
      expect(stored.map((r) => r.value).sort()).toEqual([...values].sort());
      const at = new Map(stored.map((r) => [`${r.partition}/${r.offset}`, r.value]));
      metas.forEach((m, i) => {
        expect(at.get(`${m.partition}/${m.offset}`)).toBe(values[i]);
      });
    } finally {
      await proxy.close();
    }
  });

  it("without idempotence the same lost acknowledgement duplicates (the check above can fail)", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      await strata.admin().createTopic("dupes", { partitions: 1 });
      let dropped = false;
      proxy.plan = ({ method, path }) => {
        if (method === "POST" && path.includes("/partitions/") && !dropped) {
          dropped = true;
          return "drop-answer";
        }
        return "pass";
      };
      const producer = strata.producer({ idempotent: false, retry: fastRetry });
      await producer.send("dupes", [{ value: "once" }]);
      await producer.close();
      expect((await readAllRecords(srv.url, "dupes")).map((r) => r.value)).toEqual(["once", "once"]);
    } finally {
      await proxy.close();
    }
  });

  it("does not retry a non-retriable error, and says what went wrong", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      const producer = strata.producer({ retry: fastRetry });
      const error = await producer.send("no-such-topic", [{ value: "x", partition: 0 }]).catch((e) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect(error).toMatchObject({ code: "topic-not-found", retriable: false, status: 404 });
      const produces = proxy.log.filter((r) => r.path.startsWith("/v1/topics/no-such-topic"));
      expect(produces).toHaveLength(1);
      await producer.close();
    } finally {
      await proxy.close();
    }
  });

  it("gives up on a batch after deliveryTimeoutMs when the server stays unavailable", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      await strata.admin().createTopic("down", { partitions: 1 });
      proxy.plan = ({ path }) => (path.includes("/partitions/") ? "refuse" : "pass");
      const producer = strata.producer({ deliveryTimeoutMs: 300, retry: fastRetry });
      const error = await producer.send("down", [{ value: "x" }]).catch((e) => e);
      expect(error).toBeInstanceOf(StrataClientError);
      expect(error).toMatchObject({ code: "unavailable", retriable: true });
      expect(proxy.log.filter((r) => r.path.includes("/partitions/")).length).toBeGreaterThan(2);
      // Healed: the next record goes through, and the first one (maybe written? no: refused) is not there.
      proxy.plan = () => "pass";
      await producer.send("down", [{ value: "y" }]);
      await producer.close();
      expect((await readAllRecords(srv.url, "down")).map((r) => r.value)).toEqual(["y"]);
    } finally {
      await proxy.close();
    }
  });
});

describe("admin", () => {
  it("creates, describes, alters, lists and deletes topics; errors carry their problem type", async () => {
    const admin = new Strata({ url: srv.url }).admin();
    const created = await admin.createTopic("admin-t", { partitions: 2, config: { "retention.ms": "60000" } });
    expect(created.partitions).toHaveLength(2);
    expect((await admin.alterTopic("admin-t", { partitions: 3 })).partitions).toHaveLength(3);
    expect((await admin.describeTopic("admin-t")).config["retention.ms"]).toBe("60000");
    expect(await admin.listTopics()).toContain("admin-t");
    const exists = await admin.createTopic("admin-t").catch((e) => e);
    expect(exists).toMatchObject({ code: "topic-exists", status: 409, retriable: false });
    await admin.deleteTopic("admin-t");
    expect(await admin.listTopics()).not.toContain("admin-t");
  });

  it("reports an unreachable server as a retriable network error", async () => {
    const admin = new Strata({ url: "http://127.0.0.1:2", requestTimeoutMs: 2000 }).admin();
    const error = await admin.createTopic("x").catch((e) => e);
    expect(error).toMatchObject({ code: "network", retriable: true });
  });
});
