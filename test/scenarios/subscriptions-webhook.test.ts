/**
 * Webhook subscriptions end to end: the real local server delivers to a real HTTP receiver in this test. Records
 * arrive per partition in order, signed; failures are retried, bisected down to the one bad record, dead-lettered
 * with their origin; partial-batch answers and the maximum record age are honoured; progress is the group's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DLT_HEADERS } from "../../lib/subscriptions/dead-letter.js";
import { verifySignature } from "../../lib/subscriptions/signature.js";
import { type Receiver, startReceiver } from "../support/webhook-receiver.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
const receivers: Receiver[] = [];
const SECRET = "s3cret-s3cret-s3cret";

beforeAll(async () => {
  server = await startTestServer({
    fsync: "never",
    maintenanceIntervalMs: 0,
    subscriptions: { allowPrivateTargets: true, delivery: { retryBaseMs: 10, retryMaxMs: 40, leaseMs: 5_000 } },
  });
  api = client(server.url);
});
afterAll(async () => {
  await server?.dispose();
});
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(name: string, topic: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await api.call("PUT", `/v1/subscriptions/${name}`, {
    topics: [topic],
    group: `${name}-group`,
    target: { type: "webhook", url, secret: SECRET },
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function produce(topic: string, values: string[], partition = 0, timestamp?: number) {
  const records = values.map((value) => ({ value, partition, ...(timestamp ? { timestamp } : {}) }));
  const res = await api.post(`/v1/topics/${topic}/records`, { records });
  expect(res.body.failed).toBe(0);
}

async function deadLetters(topic: string) {
  const res = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=0`);
  return res.body.records as { value: string; headers: { name: string; value: string }[] }[];
}

const header = (r: { headers: { name: string; value: string }[] }, name: string) =>
  r.headers.find((h) => h.name === name)?.value;

describe("webhook delivery", () => {
  it("delivers each partition in order with a signature the receiver verifies, and commits the group's offsets", async () => {
    await api.post("/v1/topics", { name: "orders", partitions: 2 });
    const hook = await receiver();
    await subscribe("orders-hook", "orders", hook.url, { batchSize: 3 });
    const values = Array.from({ length: 10 }, (_, i) => `o${i}`);
    await produce("orders", values, 0);
    await produce("orders", ["p1-a", "p1-b"], 1);
    await hook.until(() => hook.values().length >= 12);

    const inPartition0 = hook.received.filter((r) => r.records[0]!.partition === 0).flatMap((r) => r.values);
    expect(inPartition0).toEqual(values);
    expect(Math.max(...hook.received.map((r) => r.records.length))).toBe(3);
    const now = Math.floor(Date.now() / 1000);
    for (const r of hook.received) {
      expect(verifySignature(SECRET, r.headers["strata-signature"] as string, r.body, now)).toBe(true);
      expect(verifySignature(SECRET, r.headers["strata-signature"] as string, `${r.body} `, now)).toBe(false);
      // a replay long after the fact is refused by the timestamp check
      expect(verifySignature(SECRET, r.headers["strata-signature"] as string, r.body, now + 3600)).toBe(false);
    }
    expect(hook.received[0]!.event).toMatchObject({ eventSource: "strata", subscription: "orders-hook" });

    const status = async () => (await api.get("/v1/subscriptions/orders-hook")).body;
    await expect
      .poll(async () => (await status()).offsets.map((o: { lag: number }) => o.lag), { timeout: 10_000 })
      .toEqual([0, 0]);
    expect((await status()).subscription.target.secret).toBeUndefined();
    const group = await api.get("/v1/groups/orders-hook-group/offsets");
    expect(group.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([10, 2]);
  });

  it("starts at the end of the topic by default, and at its beginning with startFrom earliest", async () => {
    await api.post("/v1/topics", { name: "history" });
    await produce("history", ["before"]);
    const latest = await receiver();
    const earliest = await receiver();
    await subscribe("history-latest", "history", latest.url);
    await subscribe("history-earliest", "history", earliest.url, { startFrom: "earliest" });
    await produce("history", ["after"]);
    await earliest.until(() => earliest.values().length >= 2);
    await latest.until(() => latest.values().length >= 1);
    expect(earliest.values()).toEqual(["before", "after"]);
    expect(latest.values()).toEqual(["after"]);
  });

  it("retries a failing batch with backoff until the receiver takes it", async () => {
    await api.post("/v1/topics", { name: "flaky" });
    const hook = await receiver();
    hook.answer = (_r, i) => ({ status: i < 3 ? 503 : 200 });
    await subscribe("flaky-hook", "flaky", hook.url);
    await produce("flaky", ["a", "b"]);
    await hook.until((rs) => rs.length >= 4);
    expect(hook.received.map((r) => r.values)).toEqual([
      ["a", "b"],
      ["a", "b"],
      ["a", "b"],
      ["a", "b"],
    ]);
  });

  it("treats a webhook that does not answer within timeoutMs as failed, and delivers again", async () => {
    await api.post("/v1/topics", { name: "slow" });
    const hook = await receiver();
    hook.answer = (_r, i) => ({ delayMs: i === 0 ? 2_000 : 0 });
    await subscribe("slow-hook", "slow", hook.url, { target: { type: "webhook", url: hook.url, timeoutMs: 200 } });
    await produce("slow", ["late"]);
    await hook.until((rs) => rs.length >= 2);
    expect(hook.received.map((r) => r.values)).toEqual([["late"], ["late"]]);
    await expect.poll(async () => (await api.get("/v1/groups/slow-hook-group/offsets")).body.offsets[0].offset).toBe(1);
  });

  it("bisects a failing batch down to the one bad record, dead-letters it with its origin, delivers the rest in order", async () => {
    await api.post("/v1/topics", { name: "payments" });
    await api.post("/v1/topics", { name: "payments-dlt" });
    const hook = await receiver();
    hook.answer = (r) => ({ status: r.values.includes("poison") ? 500 : 200 });
    await subscribe("payments-hook", "payments", hook.url, {
      bisectOnError: true,
      maxRetries: 1,
      deadLetterTopic: "payments-dlt",
      batchSize: 8,
    });
    const values = ["p0", "p1", "p2", "p3", "p4", "poison", "p6", "p7"];
    await produce("payments", values);
    await expect.poll(async () => (await deadLetters("payments-dlt")).length, { timeout: 10_000 }).toBe(1);

    const delivered = hook.received.filter((r) => !r.values.includes("poison")).flatMap((r) => r.values);
    expect(delivered).toEqual(values.filter((v) => v !== "poison"));
    // the bad record alone was tried 1 + maxRetries times
    expect(hook.received.filter((r) => r.values.length === 1 && r.values[0] === "poison")).toHaveLength(2);
    const [dead] = await deadLetters("payments-dlt");
    expect(dead!.value).toBe("poison");
    expect(header(dead!, DLT_HEADERS.topic)).toBe("payments");
    expect(header(dead!, DLT_HEADERS.partition)).toBe("0");
    expect(header(dead!, DLT_HEADERS.offset)).toBe("5");
    expect(header(dead!, DLT_HEADERS.subscription)).toBe("payments-hook");
    expect(header(dead!, DLT_HEADERS.error)).toContain("500");
    await expect
      .poll(async () => (await api.get("/v1/groups/payments-hook-group/offsets")).body.offsets[0].offset)
      .toBe(8);
  });

  it("honours a partial-batch answer: what comes before the first failed record is done, the rest is sent again", async () => {
    await api.post("/v1/topics", { name: "partial" });
    const hook = await receiver();
    hook.answer = (r, i) =>
      i === 0 ? { body: { batchItemFailures: [{ itemIdentifier: String(r.records[2]!.offset) }] } } : {};
    await subscribe("partial-hook", "partial", hook.url);
    await produce("partial", ["a", "b", "c", "d"]);
    await hook.until((rs) => rs.length >= 2);
    expect(hook.received.map((r) => r.values)).toEqual([
      ["a", "b", "c", "d"],
      ["c", "d"],
    ]);
  });

  it("dead-letters records older than maxRecordAgeMs instead of delivering them", async () => {
    await api.post("/v1/topics", { name: "stale" });
    await api.post("/v1/topics", { name: "stale-dlt" });
    const hook = await receiver();
    await subscribe("stale-hook", "stale", hook.url, { maxRecordAgeMs: 60_000, deadLetterTopic: "stale-dlt" });
    await produce("stale", ["old"], 0, Date.now() - 3_600_000);
    await produce("stale", ["fresh"]);
    await hook.until(() => hook.values().includes("fresh"));
    expect(hook.values()).toEqual(["fresh"]);
    await expect.poll(async () => (await deadLetters("stale-dlt")).map((r) => r.value)).toEqual(["old"]);
    const [dead] = await deadLetters("stale-dlt");
    expect(header(dead!, DLT_HEADERS.error)).toContain("maxRecordAgeMs");
  });

  it("stops delivering once the subscription is deleted; its group keeps the progress", async () => {
    await api.post("/v1/topics", { name: "brief" });
    const hook = await receiver();
    await subscribe("brief-hook", "brief", hook.url);
    await produce("brief", ["one"]);
    await hook.until(() => hook.values().length === 1);
    const committed = async () => (await api.get("/v1/groups/brief-hook-group/offsets")).body.offsets[0].offset;
    await expect.poll(committed).toBe(1); // delivered and committed (a delete before the commit would redeliver)
    expect((await api.delete("/v1/subscriptions/brief-hook")).status).toBe(204);
    await produce("brief", ["two"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.values()).toEqual(["one"]);
    expect((await api.get("/v1/subscriptions/brief-hook")).status).toBe(404);
    expect(await committed()).toBe(1);
  });
});

describe("declaring a subscription", () => {
  it("refuses bad declarations naming the field, and changes nothing", async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await api.call("PUT", "/v1/subscriptions/bad", body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.field).toBe(field);
    };
    const ok = { topics: ["t"], group: "g-bad", target: { type: "webhook", url: "https://example.com/h" } };
    await bad({ ...ok, topics: [] }, "topics");
    await bad({ ...ok, batchSize: 0 }, "batchSize");
    await bad({ ...ok, target: { type: "webhook", url: "ftp://example.com" } }, "target.url");
    await bad({ ...ok, target: { type: "webhook", url: "https://example.com", secret: "short" } }, "target.secret");
    await bad({ ...ok, target: { type: "lambda", functionArn: "my-function" } }, "target.functionArn");
    await bad({ ...ok, deadLetterTopic: "t" }, "deadLetterTopic");
    await bad({ ...ok, typo: 1 }, "typo");
    expect((await api.get("/v1/subscriptions")).body.subscriptions.map((s: { name: string }) => s.name)).not.toContain(
      "bad",
    );
  });

  it("refuses a group with live members, or one another subscription records its progress in", async () => {
    await api.post("/v1/topics", { name: "shared" });
    await api.post("/v1/groups/busy/members", { topics: ["shared"] });
    const target = { type: "webhook", url: "https://example.com/h" };
    const busy = await api.call("PUT", "/v1/subscriptions/on-busy", { topics: ["shared"], group: "busy", target });
    expect(busy.status).toBe(400);
    expect(busy.body.field).toBe("group");
    expect(
      (await api.call("PUT", "/v1/subscriptions/first", { topics: ["shared"], group: "own", target })).status,
    ).toBe(201);
    const second = await api.call("PUT", "/v1/subscriptions/second", { topics: ["shared"], group: "own", target });
    expect(second.status).toBe(400);
    expect(second.body.detail).toContain("first");
    await api.delete("/v1/subscriptions/first");
  });
});

describe("private targets", () => {
  it("are refused unless the server allows them", async () => {
    const strict = await startTestServer({ fsync: "never", maintenanceIntervalMs: 0 });
    try {
      const c = client(strict.url);
      for (const url of [
        "https://127.0.0.1/h",
        "https://localhost/h",
        "https://10.1.2.3/h",
        "https://169.254.169.254/latest",
        "https://[::1]/h",
        "https://[::ffff:192.168.0.1]/h",
        "http://example.com/h",
      ]) {
        const res = await c.call("PUT", "/v1/subscriptions/internal", {
          topics: ["t"],
          group: "g",
          target: { type: "webhook", url },
        });
        expect(res.status, url).toBe(400);
        expect(res.body.field, url).toBe("target.url");
      }
      const fine = await c.call("PUT", "/v1/subscriptions/public", {
        topics: ["t"],
        group: "g",
        target: { type: "webhook", url: "https://hooks.example.com/h" },
      });
      expect(fine.status).toBe(201);
      expect(fine.body.target.secret).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await strict.dispose();
    }
  });
});
