/**
 * What JSON.parse lets through and a request must not, over HTTP: a member given twice (the last one would win
 * silently), a member named `__proto__` (zod would drop it, the one unknown member that is not a 400), and an
 * integer past 2^53-1 in a query or a body (it would be rounded: ...993 quoted back as ...992). Each is a 400
 * naming the member, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
beforeAll(async () => {
  server = await startTestServer({ maintenanceIntervalMs: 0 });
  api = client(server.url);
  expect((await api.post("/v1/topics", { name: "orders", partitions: 2 })).status).toBe(201);
});
afterAll(async () => {
  await server.dispose();
});

async function expect400(
  answer: Promise<{ status: number; body: { field?: string; detail?: string } }>,
  field: string,
) {
  const { status, body } = await answer;
  expect({ status, field: body.field }, JSON.stringify(body)).toEqual({ status: 400, field });
}

const highWatermark = async () =>
  (await api.get("/v1/topics/orders")).body.partitions.map((p: { highWatermark: number }) => p.highWatermark);

describe("a member given twice", () => {
  it("is a 400 naming it, at any depth, and changes nothing", async () => {
    await expect400(api.post("/v1/topics", '{"name": "first", "name": "second"}'), "name");
    await expect400(
      api.post("/v1/topics", '{"name": "dup", "config": {"retention.ms": "1000", "retention.ms": "2000"}}'),
      "config.retention.ms",
    );
    await expect400(
      api.post(
        "/v1/topics/orders/records",
        '{"records": [{"value": "a"}, {"key": "k", "value": "b", "key": "other"}]}',
      ),
      "records[1].key",
    );
    // the same name written two ways is the same name
    await expect400(api.post("/v1/topics", '{"name": "esc", "n\\u0061me": "esc2"}'), "name");
    expect((await api.get("/v1/topics")).body.topics).toEqual(["orders"]);
    expect(await highWatermark()).toEqual([0, 0]);
    // names that only look alike are different members
    const ok = await api.post("/v1/topics/orders/records", '{"records": [{"value": "a\\"key\\":", "key": "k"}]}');
    expect(ok.status).toBe(200);
  });
});

describe("a member named __proto__", () => {
  it("is a 400 naming it, wherever it is", async () => {
    await expect400(
      api.post("/v1/topics", '{"name": "proto", "config": {"__proto__": {"retention.ms": "1"}}}'),
      "config.__proto__",
    );
    await expect400(api.post("/v1/topics", '{"name": "proto", "__proto__": {}}'), "__proto__");
    await expect400(
      api.post("/v1/topics/orders/records", '{"records": [{"value": "a", "__proto__": {"partition": 1}}]}'),
      "records[0].__proto__",
    );
    expect((await api.get("/v1/topics")).body.topics).toEqual(["orders"]);
  });
});

describe("an integer past 2^53-1", () => {
  it("is a 400 naming the query parameter", async () => {
    for (const name of ["offset", "timestamp"]) {
      await expect400(api.get(`/v1/topics/orders/partitions/0/records?${name}=9007199254740993`), name);
      await expect400(api.get(`/v1/topics/orders/partitions/0/records?${name}=9007199254740992`), name);
    }
    await expect400(
      api.call(
        "POST",
        "/v1/topics/orders/partitions/0/records?producerId=9007199254740993&producerEpoch=0&baseSequence=0",
        new Uint8Array(0),
        { "content-type": "application/vnd.strata.batches.v1" },
      ),
      "producerId",
    );
    // the largest safe integer is an offset like any other: past the end of the partition
    expect((await api.get("/v1/topics/orders/partitions/0/records?offset=9007199254740991")).status).toBe(416);
  });

  it("is a 400 naming the body member, and changes nothing", async () => {
    const before = await highWatermark();
    await expect400(
      api.post("/v1/topics/orders/records", '{"records": [{"value": "a", "timestamp": 9007199254740993}]}'),
      "records[0].timestamp",
    );
    await expect400(
      api.post(
        "/v1/topics/orders/records",
        '{"records": [{"value": "a", "partition": 0}], "producerId": 9007199254740993, "producerEpoch": 0, "baseSequences": {"0": 0}}',
      ),
      "producerId",
    );
    await expect400(
      api.post("/v1/fetch", '{"partitions": [{"topic": "orders", "partition": 0, "offset": 9007199254740993}]}'),
      "partitions[0].offset",
    );
    await expect400(
      api.post("/v1/topics", '{"name": "big", "config": {"retention.ms": 9007199254740993}}'),
      "config.retention.ms",
    );
    await expect400(
      api.post("/v1/topics", '{"name": "big", "config": {"retention.ms": 1e300}}'),
      "config.retention.ms",
    );
    expect((await api.get("/v1/topics")).body.topics).toEqual(["orders"]);
    expect(await highWatermark()).toEqual(before);
  });
});
