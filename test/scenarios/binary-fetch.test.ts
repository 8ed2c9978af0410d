/**
 * POST /v1/fetch answering in the binary media type (fetch frames, docs/FORMAT.md) over a real local server: several
 * partitions in one body, each with its bounds and its batches as stored; a partition's error in its own frame;
 * the long poll; the byte budget of a binary fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Message, Strata } from "../../client/src/index.js";
import { BATCHES_MEDIA_TYPE } from "../../lib/api/app.js";
import { decodeFetchFrames } from "../../lib/format/fetch-frames.js";
import { decodeRecordBatch, splitBatches } from "../../lib/format/record-batch.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(async () => server?.dispose());

async function topicWith(partitions: number, values: Record<number, string[]>): Promise<string> {
  const topic = `binfetch-${seq++}`;
  expect((await api.post("/v1/topics", { name: topic, partitions })).status).toBe(201);
  for (const [partition, list] of Object.entries(values)) {
    for (const value of list) {
      const res = await api.post(`/v1/topics/${topic}/records`, { records: [{ value, partition: Number(partition) }] });
      expect(res.status).toBe(200);
    }
  }
  return topic;
}

/** POST /v1/fetch asking for the binary answer; resolves to the decoded frames with each record's offset and value. */
async function fetchFrames(body: unknown) {
  const res = await fetch(`${server.url}/v1/fetch`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: BATCHES_MEDIA_TYPE },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(BATCHES_MEDIA_TYPE);
  return decodeFetchFrames(new Uint8Array(await res.arrayBuffer())).map((f) => ({
    ...f,
    records: splitBatches(f.batches).flatMap(({ start, end }) => {
      const { records } = decodeRecordBatch(f.batches.subarray(start, end));
      return records.map((r) => ({ offset: r.offset, value: Buffer.from(r.value!).toString() }));
    }),
  }));
}

describe("POST /v1/fetch in the binary media type", () => {
  it("answers several partitions in one body, each with its bounds and its batches at their real offsets", async () => {
    const topic = await topicWith(3, { 0: ["a0", "a1", "a2"], 1: ["b0"] });
    const frames = await fetchFrames({
      partitions: [
        { topic, partition: 0, offset: 1 },
        { topic, partition: 1, offset: "earliest" },
        { topic, partition: 2, offset: 0 },
      ],
    });
    const bounds = frames.map((f) => [f.topic, f.partition, f.offset, f.nextOffset, f.highWatermark, f.logStartOffset]);
    expect(bounds).toEqual([
      [topic, 0, 1, 3, 3, 0],
      [topic, 1, 0, 1, 1, 0],
      [topic, 2, 0, 0, 0, 0],
    ]);
    // whole batches, as stored: one record per batch here, so exactly the records from the offset asked
    expect(frames[0]!.records).toEqual([
      { offset: 1, value: "a1" },
      { offset: 2, value: "a2" },
    ]);
    expect(frames[1]!.records).toEqual([{ offset: 0, value: "b0" }]);
    expect(frames[2]!.records).toEqual([]);
    expect(frames.every((f) => f.problem === undefined)).toBe(true);
  });

  it("answers a failing partition's problem in its own frame and the others' batches beside it", async () => {
    const topic = await topicWith(1, { 0: ["x"] });
    const frames = await fetchFrames({
      partitions: [
        { topic: "no-such-topic-here", partition: 0, offset: 0 },
        { topic, partition: 0, offset: 0 },
        { topic, partition: 0 + 5, offset: 0 },
      ],
    });
    expect(JSON.parse(frames[0]!.problem!)).toMatchObject({ status: 404, type: "urn:strata:problem:topic-not-found" });
    expect(frames[0]).toMatchObject({ offset: -1, nextOffset: -1, highWatermark: -1, logStartOffset: -1, records: [] });
    expect(frames[1]!.records).toEqual([{ offset: 0, value: "x" }]);
    expect(JSON.parse(frames[2]!.problem!)).toMatchObject({ status: 404 });
  });

  it("waits for records and is woken by a produce to any partition named", async () => {
    const topic = await topicWith(2, {});
    const started = Date.now();
    const waiting = fetchFrames({
      partitions: [
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 0 },
      ],
      maxWaitMs: 10_000,
    });
    await new Promise((r) => setTimeout(r, 200));
    await api.post(`/v1/topics/${topic}/records`, { records: [{ value: "late", partition: 1 }] });
    const frames = await waiting;
    expect(frames[1]!.records).toEqual([{ offset: 0, value: "late" }]);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it("takes a maxBytes up to the binary limit, and always at least the first batch however small it is", async () => {
    const topic = await topicWith(2, { 0: ["one", "two"], 1: ["three"] });
    const frames = await fetchFrames({
      partitions: [
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 0 },
      ],
      maxBytes: 1,
    });
    expect(frames[0]!.records).toEqual([{ offset: 0, value: "one" }]);
    expect(frames[0]!.nextOffset).toBe(1);
    expect(frames[1]!.records).toEqual([]);
    expect(frames[1]!.nextOffset).toBe(0);
    const big = await fetchFrames({ partitions: [{ topic, partition: 0, offset: 0 }], maxBytes: 4 * 1024 * 1024 });
    expect(big[0]!.records).toHaveLength(2);
    // the JSON answer keeps its own, smaller bound
    const json = await api.post("/v1/fetch", {
      partitions: [{ topic, partition: 0, offset: 0 }],
      maxBytes: 4 * 1024 * 1024,
    });
    expect(json.status).toBe(400);
  });

  it("refuses a bad request with problem+json naming the field, whatever the answer type asked", async () => {
    const res = await api.post("/v1/fetch", { partitions: [] }, { accept: BATCHES_MEDIA_TYPE });
    expect(res.status).toBe(400);
    expect(res.contentType).toContain("application/problem+json");
    expect(res.body.field).toBe("partitions");
  });
});

describe("the SDK consumer", () => {
  it("reads through the binary POST /v1/fetch, with keys, values and headers byte for byte", async () => {
    const topic = await topicWith(1, {});
    const accepts: (string | null)[] = [];
    const strata = new Strata({
      url: server.url,
      fetch: (input, init) => {
        if (String(input).endsWith("/v1/fetch")) accepts.push(new Headers(init?.headers).get("accept"));
        return fetch(input, init);
      },
    });
    const producer = strata.producer({ lingerMs: 0 });
    const value = new Uint8Array([0xff, 0x00, 0xfe]);
    await producer.send(topic, [
      { key: "k", value, headers: { h: "v" }, partition: 0 },
      { value: null, partition: 0 },
    ]);
    await producer.close();
    const seen: Message[] = [];
    const consumer = strata.consumer({ maxWaitMs: 100 });
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    await consumer.run({ eachMessage: ({ message }) => void seen.push(message) });
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await consumer.close();
    expect(seen.map((m) => [m.offset, m.key?.toString() ?? null, m.value && [...m.value], m.headers])).toEqual([
      [0, "k", [0xff, 0x00, 0xfe], [{ name: "h", value: Buffer.from("v") }]],
      [1, null, null, []],
    ]);
    expect(accepts.length).toBeGreaterThan(0);
    expect(accepts.every((a) => a === BATCHES_MEDIA_TYPE)).toBe(true);
  });
});
