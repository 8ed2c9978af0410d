/**
 * POST /v1/topics/{topic}/partitions/{partition}/delete-records over real HTTP, and the local server's
 * maintenance timer (STRATA_MAINTENANCE_INTERVAL_MS) doing retention on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

describe("delete-records over HTTP", () => {
  let server: TestServer;
  let api: Client;
  beforeAll(async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0 });
    api = client(server.url);
    await api.post("/v1/topics", { name: "trimmed", partitions: 2 });
    await api.post("/v1/topics/trimmed/records", {
      records: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}`, partition: 0 })),
    });
  });
  afterAll(() => server.dispose());

  it("moves logStartOffset forward; older offsets become out of range, newer ones read on", async () => {
    const res = await api.post("/v1/topics/trimmed/partitions/0/delete-records", { beforeOffset: 4 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partition: 0, lowWatermark: 4 });
    const old = await api.get("/v1/topics/trimmed/partitions/0/records?offset=2");
    expect(old.status).toBe(416);
    expect(old.body).toMatchObject({ logStartOffset: 4, highWatermark: 10 });
    const earliest = await api.get("/v1/topics/trimmed/partitions/0/records?offset=earliest");
    expect(earliest.body.records.map((r: { offset: number }) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    // Never backwards: a smaller offset changes nothing.
    expect((await api.post("/v1/topics/trimmed/partitions/0/delete-records", { beforeOffset: 1 })).body).toEqual({
      partition: 0,
      lowWatermark: 4,
    });
    const described = await api.get("/v1/topics/trimmed");
    expect(described.body.partitions[0]).toEqual({ partition: 0, logStartOffset: 4, highWatermark: 10 });
  });

  it("-1 means the highWatermark; offsets go on after everything is deleted", async () => {
    expect((await api.post("/v1/topics/trimmed/partitions/0/delete-records", { beforeOffset: -1 })).body).toEqual({
      partition: 0,
      lowWatermark: 10,
    });
    const produced = await api.post("/v1/topics/trimmed/records", { records: [{ value: "after", partition: 0 }] });
    expect(produced.body.offsets).toEqual([{ partition: 0, offset: 10 }]);
  });

  it("rejects what it cannot do, naming the field, and changes nothing", async () => {
    const before = (await api.get("/v1/topics/trimmed")).body;
    const past = await api.post("/v1/topics/trimmed/partitions/1/delete-records", { beforeOffset: 5 });
    expect(past.status).toBe(416);
    expect(past.body).toMatchObject({ logStartOffset: 0, highWatermark: 0 });
    for (const body of [
      {},
      { beforeOffset: "3" },
      { beforeOffset: -2 },
      { beforeOffset: 1.5 },
      { beforeOffset: 1, x: 1 },
    ]) {
      const res = await api.post("/v1/topics/trimmed/partitions/1/delete-records", body);
      expect(res.status).toBe(400);
      expect(res.contentType).toContain("application/problem+json");
      expect(JSON.stringify(res.body)).toMatch(/beforeOffset|x/);
    }
    expect((await api.post("/v1/topics/nope/partitions/0/delete-records", { beforeOffset: 0 })).status).toBe(404);
    expect((await api.post("/v1/topics/trimmed/partitions/7/delete-records", { beforeOffset: 0 })).status).toBe(404);
    expect((await api.get("/v1/topics/trimmed")).body).toEqual(before);
  });
});

describe("the local server's maintenance timer", () => {
  it("applies retention by itself", { timeout: 60_000 }, async () => {
    const server = await startTestServer({ maintenanceIntervalMs: 200 });
    try {
      const api = client(server.url);
      await api.post("/v1/topics", { name: "short", partitions: 1, config: { "retention.bytes": "1" } });
      for (let i = 0; i < 3; i++)
        await api.post("/v1/topics/short/records", { records: [{ value: `v${i}`, partition: 0 }] });
      // retention.bytes=1: every closed segment goes, as soon as maintenance lets it settle.
      const deadline = Date.now() + 45_000;
      let logStart = 0;
      while (Date.now() < deadline && logStart === 0) {
        await new Promise((r) => setTimeout(r, 250));
        logStart = (await api.get("/v1/topics/short")).body.partitions[0].logStartOffset;
      }
      expect(logStart).toBeGreaterThan(0);
    } finally {
      await server.dispose();
    }
  });
});
