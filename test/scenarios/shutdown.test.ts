/**
 * Stopping the server while long polls wait: they answer at once with what they have (an empty 200 and the
 * partition's bounds) instead of being cut when the grace period ends, so clients see a normal answer.
 */
import { expect, it } from "vitest";
import { client, startTestServer } from "./http-support.js";

it("a long poll in flight answers an empty 200 when the server stops", async () => {
  const server = await startTestServer({ maintenanceIntervalMs: 0, closeGraceMs: 10_000 });
  const api = client(server.url);
  await api.post("/v1/topics", { name: "quiet", partitions: 2 });
  const single = api.get("/v1/topics/quiet/partitions/0/records?offset=0&maxWaitMs=20000");
  const many = api.post("/v1/fetch", {
    partitions: [
      { topic: "quiet", partition: 0, offset: 0 },
      { topic: "quiet", partition: 1, offset: 0 },
    ],
    maxWaitMs: 20000,
  });
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  await server.dispose();
  const [one, all] = await Promise.all([single, many]);
  expect(Date.now() - started).toBeLessThan(5_000); // not the 20 s wait, nor the 10 s grace
  expect(one.status).toBe(200);
  expect(one.body).toMatchObject({ records: [], nextOffset: 0, highWatermark: 0 });
  expect(all.status).toBe(200);
  expect(all.body.partitions.map((p: { records: unknown[] }) => p.records)).toEqual([[], []]);
});
