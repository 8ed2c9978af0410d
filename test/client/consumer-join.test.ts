/**
 * The SDK consumer's join when its answer is lost: the retry repeats the memberId and joinId, so the server finds
 * the incarnation it created instead of fencing it (which would keep that incarnation's partitions busy for a whole
 * session, docs/GROUPS.md "One memberId, two processes").
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Strata } from "../../client/src/index.js";
import { type FaultProxy, startFaultProxy, startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  srv = await startTestServer();
  proxy = await startFaultProxy(srv.url);
});
afterAll(async () => {
  await proxy.close();
  await srv.close();
});

it("a join whose answer was lost is retried into the same membership: the partitions come at once", async () => {
  // Prepare: the first join reaches the server, its answer never reaches the consumer
  const SESSION = 30_000;
  await new Strata({ url: srv.url }).admin().createTopic("lost-join", { partitions: 2 });
  let joins = 0;
  proxy.plan = ({ method, path }) =>
    method === "POST" && path.endsWith("/members") && joins++ === 0 ? "drop-answer" : "pass";
  const consumer = new Strata({ url: proxy.url }).consumer({
    groupId: "g-lost-join",
    sessionTimeoutMs: SESSION,
    maxWaitMs: 100,
  });
  consumer.subscribe({ topics: ["lost-join"] });

  // Act
  const started = Date.now();
  await consumer.run({ eachMessage: () => {} });
  while (consumer.assignment().length < 2 && Date.now() - started < SESSION / 3)
    await new Promise((r) => setTimeout(r, 20));

  // Assess: both partitions well before the first incarnation's lease could have ended, one member
  const waited = Date.now() - started;
  const group = await new Strata({ url: srv.url }).admin().describeGroup("g-lost-join");
  await consumer.close();
  expect(joins).toBe(2);
  expect(waited).toBeLessThan(SESSION / 3);
  expect(group.members).toHaveLength(1);
});
