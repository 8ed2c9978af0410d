/**
 * The HTTP API over real HTTP against a started local server (embedded backend, temp data dir): every
 * route, every error status the API promises, and the byte-exactness of the JSON encodings.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordJson } from "../../lib/api/codec.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../lib/format/record-batch.js";
import { type Answer, b64, type Client, client, startTestServer, type TestServer, utf8 } from "./http-support.js";

let server: TestServer;
let api: Client;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(async () => server?.dispose());

let topicSeq = 0;
async function newTopic(partitions = 1, config?: Record<string, string | number>): Promise<string> {
  const name = `t-${topicSeq++}-${Date.now()}`;
  const res = await api.post("/v1/topics", { name, partitions, ...(config ? { config } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return name;
}

function expectProblem(res: Answer, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.contentType).toContain("application/problem+json");
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^urn:strata:problem:/) });
  expect(typeof res.body.title).toBe("string");
  expect(typeof res.body.detail).toBe("string");
  if (field !== undefined) expect(res.body.field).toBe(field);
}

describe("service routes", () => {
  it("GET /healthz answers 200", async () => {
    const res = await api.get("/healthz");
    expect(res.status).toBe(200);
  });

  it("GET /v1/openapi.json serves an OpenAPI 3.1 document", async () => {
    const res = await api.get("/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.paths["/v1/topics"]).toBeDefined();
  });

  it("an unknown route is a 404 problem", async () => {
    expectProblem(await api.get("/v2/nothing"), 404);
    expectProblem(await api.call("PUT", "/v1/topics"), 404);
  });

  it("a query parameter given twice is a 400 naming it, and reads nothing", async () => {
    const twice = await newTopic(1);
    await api.post(`/v1/topics/${twice}/records`, { records: [{ value: "a", partition: 0 }] });
    const res = await api.get(`/v1/topics/${twice}/partitions/0/records?offset=0&offset=5&maxWaitMs=0`);
    expectProblem(res, 400);
    expect(res.body.field).toBe("offset");
    const once = await api.get(`/v1/topics/${twice}/partitions/0/records?offset=0&maxWaitMs=0`);
    expect(once.status).toBe(200);
    expect(once.body.records).toHaveLength(1);
  });
});

describe("topics", () => {
  it("creates, lists, describes, updates and deletes a topic", async () => {
    const name = `orders-${Date.now()}`;
    const created = await api.post("/v1/topics", { name, partitions: 2, config: { "retention.ms": 60000 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name,
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 0 },
        { partition: 1, logStartOffset: 0, highWatermark: 0 },
      ],
    });
    expect(created.body.config["retention.ms"]).toBe("60000");
    expect(typeof created.body.id).toBe("string");

    expect((await api.get("/v1/topics")).body.topics).toContain(name);
    const described = await api.get(`/v1/topics/${name}`);
    expect(described.status).toBe(200);
    expect(described.body).toEqual(created.body);

    const updated = await api.patch(`/v1/topics/${name}`, { partitions: 3, config: { "retention.ms": null } });
    expect(updated.status).toBe(200);
    expect(updated.body.partitions).toHaveLength(3);
    expect(updated.body.config["retention.ms"]).toBe("604800000");

    const deleted = await api.delete(`/v1/topics/${name}`);
    expect(deleted.status).toBe(204);
    expect((await api.get("/v1/topics")).body.topics).not.toContain(name);
    expectProblem(await api.get(`/v1/topics/${name}`), 404);
  });

  it("409 when the topic exists, and the first one is untouched", async () => {
    const name = await newTopic(2);
    const res = await api.post("/v1/topics", { name, partitions: 5 });
    expectProblem(res, 409);
    expect((await api.get(`/v1/topics/${name}`)).body.partitions).toHaveLength(2);
  });

  it("400 for invalid names, partitions, config and unknown members, naming the field", async () => {
    expectProblem(await api.post("/v1/topics", { name: "no spaces", partitions: 1 }), 400, "name");
    expectProblem(await api.post("/v1/topics", { name: "x".repeat(250), partitions: 1 }), 400, "name");
    expectProblem(await api.post("/v1/topics", { name: "ok", partitions: 0 }), 400, "partitions");
    expectProblem(await api.post("/v1/topics", { name: "ok", partitions: "1" }), 400, "partitions");
    expectProblem(await api.post("/v1/topics", { name: "ok", partiton: 1 }), 400, "partiton");
    expectProblem(
      await api.post("/v1/topics", { name: "ok", config: { "no.such.key": "1" } }),
      400,
      "config.no.such.key",
    );
    expectProblem(
      await api.post("/v1/topics", { name: "ok", config: { "retention.ms": "soon" } }),
      400,
      "config.retention.ms",
    );
    expectProblem(await api.get("/v1/topics/bad%20name"), 400, "topic");
    expect((await api.get("/v1/topics")).body.topics).not.toContain("ok");
  });

  it("400 for malformed JSON and 415 for a body that is not JSON", async () => {
    expectProblem(await api.post("/v1/topics", "{not json"), 400, "body");
    expectProblem(await api.post("/v1/topics", new Uint8Array([0x7b, 0xff, 0x7d])), 400, "body");
    expectProblem(await api.post("/v1/topics", "name=x", { "content-type": "application/x-www-form-urlencoded" }), 415);
  });

  it("404 for updates and deletes of unknown topics; 400 when shrinking", async () => {
    expectProblem(await api.patch("/v1/topics/absent-topic", { partitions: 2 }), 404);
    expectProblem(await api.delete("/v1/topics/absent-topic"), 404);
    const name = await newTopic(2);
    const res = await api.patch(`/v1/topics/${name}`, { partitions: 1 });
    expectProblem(res, 400, "partitions");
  });
});

describe("413: request bodies over 4 MiB", () => {
  const big = () => new Uint8Array(4 * 1024 * 1024 + 1).fill(0x20);

  it("with a Content-Length", async () => {
    expectProblem(await api.post("/v1/topics", big()), 413, "body");
  });

  it("without a Content-Length (chunked)", async () => {
    const bytes = big();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65536) controller.enqueue(bytes.subarray(i, i + 65536));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/v1/topics`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("produce and fetch (JSON)", () => {
  it("produces utf8 records and reads them back with keys, headers, timestamps and tombstones", async () => {
    const topic = await newTopic(1);
    const records = [
      {
        key: "k1",
        value: "hello",
        headers: [
          { name: "h", value: "1" },
          { name: "h", value: "2" },
        ],
        timestamp: 1000,
      },
      { key: null, value: "ünïcødé ✓", timestamp: 2000 },
      { key: "k1", value: null, timestamp: 3000 },
    ];
    const produced = await api.post(`/v1/topics/${topic}/records`, { records });
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    expect(produced.body).toEqual({
      offsets: [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
        { partition: 0, offset: 2 },
      ],
      failed: 0,
    });
    const fetched = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({
      records: [
        { offset: 0, timestamp: 1000, key: "k1", value: "hello", headers: records[0]!.headers },
        { offset: 1, timestamp: 2000, key: null, value: "ünïcødé ✓", headers: [] },
        { offset: 2, timestamp: 3000, key: "k1", value: null, headers: [] },
      ],
      nextOffset: 3,
      highWatermark: 3,
      logStartOffset: 0,
    });
    const tail = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=1&maxRecords=1`);
    expect(tail.body.records.map((r: { offset: number }) => r.offset)).toEqual([1]);
    expect(tail.body.nextOffset).toBe(2);
    const latest = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=latest`);
    expect(latest.body).toMatchObject({ records: [], nextOffset: 3 });
    const byTime = await api.get(`/v1/topics/${topic}/partitions/0/records?timestamp=1500`);
    expect(byTime.body.records[0].offset).toBe(1);
  });

  it("round-trips arbitrary bytes as base64", async () => {
    const topic = await newTopic(1);
    const all = new Uint8Array(256).map((_, i) => i);
    const random = new Uint8Array(4096).map(() => Math.floor(Math.random() * 256));
    const records = [
      { key: b64(all), value: b64(random), headers: [{ name: "bin", value: b64(all.slice(128)) }] },
      { key: b64(new Uint8Array(0)), value: b64(new Uint8Array([0])) },
    ];
    expect((await api.post(`/v1/topics/${topic}/records`, { records, encoding: "base64" })).status).toBe(200);
    const res = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=earliest&encoding=base64`);
    expect(res.body.records.map((r: RecordJson) => ({ key: r.key, value: r.value, headers: r.headers }))).toEqual([
      records[0],
      { ...records[1], headers: [] },
    ]);
    expect(res.body.records[0].base64).toBeUndefined();
  });

  it("with encoding=utf8, bytes that are not UTF-8 come back base64 and the record says which", async () => {
    const topic = await newTopic(1);
    const bad = new Uint8Array([0xc3, 0x28, 0xff]);
    const records = [
      {
        key: b64(utf8("text-key")),
        value: b64(bad),
        headers: [
          { name: "a", value: b64(bad) },
          { name: "b", value: b64(utf8("ok")) },
        ],
      },
    ];
    expect((await api.post(`/v1/topics/${topic}/records`, { records, encoding: "base64" })).status).toBe(200);
    const res = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=0`);
    const [r] = res.body.records;
    expect(r).toMatchObject({ key: "text-key", value: b64(bad), base64: ["value", "headers[0]"] });
    expect(r.headers).toEqual([
      { name: "a", value: b64(bad) },
      { name: "b", value: "ok" },
    ]);
  });

  it("keyed records land on their key's partition, spread over partitions, in per-key order", async () => {
    const topic = await newTopic(4);
    const records = Array.from({ length: 40 }, (_, i) => ({ key: `customer-${i % 5}`, value: `event-${i}` }));
    const res = await api.post(`/v1/topics/${topic}/records`, { records });
    expect(res.body.failed).toBe(0);
    const partitionOf = new Map<string, number>();
    res.body.offsets.forEach((o: { partition: number }, i: number) => {
      const key = records[i]!.key;
      expect(partitionOf.get(key) ?? o.partition).toBe(o.partition);
      partitionOf.set(key, o.partition);
    });
  });

  it("POST to a partition pins every record to it", async () => {
    const topic = await newTopic(3);
    const res = await api.post(`/v1/topics/${topic}/partitions/2/records`, {
      records: [{ value: "a" }, { key: "x", value: "b" }],
    });
    expect(res.body.offsets).toEqual([
      { partition: 2, offset: 0 },
      { partition: 2, offset: 1 },
    ]);
    expectProblem(
      await api.post(`/v1/topics/${topic}/partitions/2/records`, { records: [{ value: "a", partition: 1 }] }),
      400,
      "records[0].partition",
    );
  });

  it("produce errors: 400 naming the field, 404 topic or partition, 413 record over max.message.bytes", async () => {
    const topic = await newTopic(1, { "max.message.bytes": "1024" });
    const url = `/v1/topics/${topic}/records`;
    expectProblem(
      await api.post(url, { records: [{ value: "b2s=" }, { value: "%%%" }], encoding: "base64" }),
      400,
      "records[1].value",
    );
    expectProblem(
      await api.post(url, { records: [{ value: "a", headers: [{ name: "h", value: 1 }] }] }),
      400,
      "records[0].headers[0].value",
    );
    expectProblem(await api.post(url, { records: [] }), 400, "records");
    expectProblem(await api.post(url, { records: [{ value: "a" }], encoding: "latin1" }), 400, "encoding");
    expectProblem(await api.post(url, { records: [{ value: "\ud800" }] }), 400, "records[0].value");
    expectProblem(await api.post("/v1/topics/absent-topic/records", { records: [{ value: "a" }] }), 404);
    expectProblem(await api.post(url, { records: [{ value: "a", partition: 7 }] }), 404);
    expectProblem(await api.post(url, { records: [{ value: "x".repeat(2000) }] }), 413, "records[0]");
    // nothing above changed the partition
    expect((await api.get(`/v1/topics/${topic}`)).body.partitions[0].highWatermark).toBe(0);
  });

  it("fetch errors: 416 with both bounds, 404 partition or topic, 400 naming the parameter", async () => {
    const topic = await newTopic(1);
    await api.post(`/v1/topics/${topic}/records`, { records: [{ value: "a" }, { value: "b" }] });
    const base = `/v1/topics/${topic}/partitions/0/records`;
    const out = await api.get(`${base}?offset=5`);
    expectProblem(out, 416);
    expect(out.body).toMatchObject({ logStartOffset: 0, highWatermark: 2 });
    expectProblem(await api.get(`/v1/topics/${topic}/partitions/1/records?offset=0`), 404);
    expectProblem(await api.get("/v1/topics/absent-topic/partitions/0/records?offset=0"), 404);
    expectProblem(await api.get(`${base}?offset=-1`), 400, "offset");
    expectProblem(await api.get(`${base}?offset=soon`), 400, "offset");
    expectProblem(await api.get(`${base}`), 400, "offset");
    expectProblem(await api.get(`${base}?offset=0&timestamp=5`), 400, "timestamp");
    expectProblem(await api.get(`${base}?offset=0&maxWaitMs=20001`), 400, "maxWaitMs");
    expectProblem(await api.get(`${base}?offset=0&maxBytes=0`), 400, "maxBytes");
    expectProblem(await api.get(`${base}?offset=0&encoding=hex`), 400, "encoding");
    expectProblem(await api.get(`${base}?offset=0&limit=3`), 400, "limit");
    expectProblem(await api.get(`/v1/topics/${topic}/partitions/x/records?offset=0`), 400, "partition");
  });
});

describe("idempotent producers", () => {
  it("a retried request gets its original offsets back; a gap is rejected", async () => {
    const topic = await newTopic(2);
    const reg = await api.post("/v1/producers", {});
    expect(reg.status).toBe(201);
    const { producerId, producerEpoch } = reg.body;
    expect(producerEpoch).toBeGreaterThanOrEqual(0);
    const request = {
      producerId,
      producerEpoch,
      baseSequences: { "0": 0, "1": 0 },
      records: [
        { partition: 0, value: "a" },
        { partition: 1, value: "b" },
        { partition: 0, value: "c" },
      ],
    };
    const first = await api.post(`/v1/topics/${topic}/records`, request);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.failed).toBe(0);
    const retry = await api.post(`/v1/topics/${topic}/records`, request);
    expect(retry.body).toEqual(first.body);
    const hw = (await api.get(`/v1/topics/${topic}`)).body.partitions.map(
      (p: { highWatermark: number }) => p.highWatermark,
    );
    expect(hw).toEqual([2, 1]);

    const gap = await api.post(`/v1/topics/${topic}/records`, {
      producerId,
      producerEpoch,
      baseSequences: { "0": 10 },
      records: [{ partition: 0, value: "d" }],
    });
    expectProblem(gap, 409);
    expect(gap.body.type).toBe("urn:strata:problem:out-of-order-sequence");
    expect((await api.get(`/v1/topics/${topic}`)).body.partitions[0].highWatermark).toBe(2);
  });

  it("registering a transactional id again bumps the epoch", async () => {
    const a = await api.post("/v1/producers", { transactionalId: `tx-${Date.now()}` });
    const b = await api.post("/v1/producers", { transactionalId: a.body && `tx-${Date.now()}-b` });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const id = `tx-same-${Date.now()}`;
    const first = await api.post("/v1/producers", { transactionalId: id });
    const second = await api.post("/v1/producers", { transactionalId: id });
    expect(second.body.producerId).toBe(first.body.producerId);
    expect(second.body.producerEpoch).toBeGreaterThan(first.body.producerEpoch);
  });

  it("idempotent requests must name partitions and sequences", async () => {
    const topic = await newTopic(1);
    const url = `/v1/topics/${topic}/records`;
    expectProblem(
      await api.post(url, { producerId: 1, records: [{ partition: 0, value: "a" }] }),
      400,
      "producerEpoch",
    );
    expectProblem(
      await api.post(url, { producerId: 1, producerEpoch: 0, baseSequences: { "0": 0 }, records: [{ value: "a" }] }),
      400,
      "records[0].partition",
    );
    expectProblem(
      await api.post(url, {
        producerId: 1,
        producerEpoch: 0,
        baseSequences: {},
        records: [{ partition: 0, value: "a" }],
      }),
      400,
      "baseSequences.0",
    );
    expectProblem(await api.post("/v1/producers", { transactionalId: "" }), 400, "transactionalId");
  });
});

describe("long polling", () => {
  it("a fetch waiting at the high watermark is woken by a produce", async () => {
    const topic = await newTopic(1);
    const started = Date.now();
    const waiting = api.get(`/v1/topics/${topic}/partitions/0/records?offset=0&maxWaitMs=10000`);
    await new Promise((r) => setTimeout(r, 300));
    await api.post(`/v1/topics/${topic}/records`, { records: [{ value: "wake" }] });
    const res = await waiting;
    expect(res.body.records.map((r: RecordJson) => r.value)).toEqual(["wake"]);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("an empty wait ends after maxWaitMs", async () => {
    const topic = await newTopic(1);
    const started = Date.now();
    const res = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=0&maxWaitMs=400`);
    expect(res.body).toMatchObject({ records: [], nextOffset: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it("POST /v1/fetch waits on many partitions at once and is woken by a produce to any", async () => {
    const a = await newTopic(2);
    const b = await newTopic(1);
    const started = Date.now();
    const waiting = api.post("/v1/fetch", {
      partitions: [
        { topic: a, partition: 0, offset: 0 },
        { topic: a, partition: 1, offset: 0 },
        { topic: b, partition: 0, offset: "latest" },
      ],
      maxWaitMs: 10000,
    });
    await new Promise((r) => setTimeout(r, 300));
    await api.post(`/v1/topics/${a}/partitions/1/records`, { records: [{ value: "one" }] });
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(res.body.partitions).toHaveLength(3);
    expect(res.body.partitions[0]).toMatchObject({ topic: a, partition: 0, records: [] });
    expect(res.body.partitions[1]).toMatchObject({ topic: a, partition: 1, nextOffset: 1 });
    expect(res.body.partitions[1].records.map((r: RecordJson) => r.value)).toEqual(["one"]);
  });

  it("POST /v1/fetch reports per-partition errors and validates the request", async () => {
    const a = await newTopic(1);
    const res = await api.post("/v1/fetch", {
      partitions: [
        { topic: a, partition: 0, offset: 0 },
        { topic: a, partition: 9, offset: 0 },
        { topic: "absent-topic", partition: 0, offset: 0 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.partitions[0]).toMatchObject({ records: [], nextOffset: 0 });
    expect(res.body.partitions[1].error.status).toBe(404);
    expect(res.body.partitions[2].error.status).toBe(404);
    expectProblem(await api.post("/v1/fetch", { partitions: [] }), 400, "partitions");
    expectProblem(
      await api.post("/v1/fetch", { partitions: [{ topic: a, partition: 0 }] }),
      400,
      "partitions[0].offset",
    );
    expectProblem(
      await api.post("/v1/fetch", { partitions: [{ topic: a, partition: 0, offset: 0 }], maxWaitMs: 30000 }),
      400,
      "maxWaitMs",
    );
  });
});

describe("binary media type (RecordBatch v2)", () => {
  const MEDIA = "application/vnd.strata.batches.v1";

  it("produces batches to a partition and fetches them with the bounds in headers", async () => {
    const topic = await newTopic(2);
    const records = [0, 1, 2].map((i) => ({
      key: new Uint8Array([i, 0xff]),
      value: new Uint8Array(64).fill(i),
      headers: [{ name: "seq", value: new Uint8Array([i]) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const produced = await api.post(`/v1/topics/${topic}/partitions/1/records`, encodeRecordBatch(records), {
      "content-type": MEDIA,
    });
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    expect(produced.body).toMatchObject({ failed: 0, offsets: [{ partition: 1, offset: 0 }] });

    const res = await fetch(`${server.url}/v1/topics/${topic}/partitions/1/records?offset=0`, {
      headers: { accept: MEDIA },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(MEDIA);
    expect(res.headers.get("strata-next-offset")).toBe("3");
    expect(res.headers.get("strata-high-watermark")).toBe("3");
    expect(res.headers.get("strata-log-start-offset")).toBe("0");
    const batch = decodeRecordBatch(new Uint8Array(await res.arrayBuffer()));
    expect(batch.records.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual(
      records.map((r, i) => [i, r.key, r.value, r.headers]),
    );
    // the same records as JSON
    const asJson = await api.get(`/v1/topics/${topic}/partitions/1/records?offset=0&encoding=base64`);
    expect(asJson.body.records[2].value).toBe(b64(records[2]!.value));
  });

  it("rejects bytes that are not batches (400 naming the body) and batches on the topic route (415)", async () => {
    const topic = await newTopic(1);
    const garbage = await api.post(`/v1/topics/${topic}/partitions/0/records`, new Uint8Array([1, 2, 3]), {
      "content-type": MEDIA,
    });
    expectProblem(garbage, 400);
    expect(String(garbage.body.field)).toMatch(/^body/);
    expectProblem(await api.post(`/v1/topics/${topic}/records`, new Uint8Array([1]), { "content-type": MEDIA }), 415);
    expect((await api.get(`/v1/topics/${topic}`)).body.partitions[0].highWatermark).toBe(0);
  });
});
