/**
 * The SDK's logger hook and instrumentation events against a real local server (behind the fault proxy for
 * retries): a request event per HTTP request, a retry event per wait before a retry, a rebalance event when a group
 * member gets and gives back partitions; the logger gets each as one entry; a throwing listener breaks nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LogEntry,
  type RebalanceEvent,
  type RequestEvent,
  type RetryEvent,
  Strata,
} from "../../client/src/index.js";
import { startFaultProxy, startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

describe("instrumentation", () => {
  it("reports requests, retries and rebalances as events and log entries", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const entries: LogEntry[] = [];
      const strata = new Strata({ url: proxy.url, logger: (e) => entries.push(e) });
      const requests: RequestEvent[] = [];
      const retries: RetryEvent[] = [];
      const rebalances: RebalanceEvent[] = [];
      strata.on("request", (e) => requests.push(e));
      strata.on("retry", (e) => retries.push(e));
      strata.on("rebalance", (e) => rebalances.push(e));
      strata.on("request", () => {
        throw new Error("a broken listener");
      });

      await strata.admin().createTopic("ins", { partitions: 1 });
      expect(requests[0]).toMatchObject({ method: "POST", path: "/v1/topics", status: 201 });
      expect(requests[0]!.durationMs).toBeGreaterThanOrEqual(0);

      let refused = 0;
      proxy.plan = ({ path }) => (path.includes("/partitions/0/records") && refused++ === 0 ? "refuse" : "pass");
      const producer = strata.producer({ retry: { initialBackoffMs: 5, maxBackoffMs: 10 } });
      await producer.send("ins", [{ value: "x" }]);
      await producer.close();
      expect(retries).toMatchObject([{ operation: "produce", attempt: 0, error: { code: "unavailable" } }]);
      expect(requests.some((r) => r.status === 503 && r.error === "unavailable")).toBe(true);

      const consumer = strata.consumer({ groupId: "ins-g", autoOffsetReset: "earliest", sessionTimeoutMs: 6000 });
      consumer.subscribe({ topics: ["ins"] });
      for await (const _ of consumer) break;
      expect(rebalances).toMatchObject([
        { group: "ins-g", assigned: [{ topic: "ins", partition: 0 }], revoked: [], lost: [] },
        { group: "ins-g", assigned: [], revoked: [{ topic: "ins", partition: 0 }], lost: [] },
      ]);
      expect(rebalances[0]!.memberId).not.toBe("");

      expect(entries.find((e) => e.event === "retry")).toMatchObject({
        level: "warn",
        message: expect.stringMatching(/^produce: retry 1 in \d+ ms after unavailable/),
      });
      expect(entries.find((e) => e.event === "rebalance")).toMatchObject({
        level: "info",
        message: expect.stringMatching(/group ins-g: member .* assigned ins\/0 revoked - lost -/),
      });
      expect(entries.filter((e) => e.event === "request").every((e) => e.level === "debug")).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it("offsetsForTimes: the first offset at or after a time per partition, the high watermark past the end", async () => {
    const strata = new Strata({ url: srv.url });
    await strata.admin().createTopic("times", { partitions: 2 });
    const producer = strata.producer();
    await producer.send(
      "times",
      [0, 1, 2, 3, 4].map((i) => ({ value: `v${i}`, partition: 0, timestamp: 1000 + i * 100 })),
    );
    await producer.send("times", [{ value: "w", partition: 1, timestamp: 1250 }]);
    await producer.close();

    const admin = strata.admin();
    expect(await admin.offsetsForTimes("times", 1150)).toEqual([
      { partition: 0, offset: 2, timestamp: 1200 },
      { partition: 1, offset: 0, timestamp: 1250 },
    ]);
    expect(await admin.offsetsForTimes("times", 1300, [1])).toEqual([{ partition: 1, offset: 1, timestamp: null }]);
    await expect(admin.offsetsForTimes("times", -1)).rejects.toThrow(/timestamp/);
    await expect(admin.offsetsForTimes("nope", 0)).rejects.toThrow(/nope/);
  });
});
