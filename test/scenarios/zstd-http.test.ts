/**
 * zstd over a real local server: a binary produce of a zstd batch is stored as written and reads back over JSON
 * fetch and binary fetch, also when another encoder wrote the frame (the zstd tool, streamed, when installed); a
 * zstd bomb is a 400 naming the batch and the limit, with nothing stored; compression.type zstd is a topic config
 * that JSON produce honours.
 */
import { execFileSync } from "node:child_process";
import { compress as wasmCompress } from "@bokuweb/zstd-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCHES_MEDIA_TYPE } from "../../lib/contract.js";
import { decodeFetchFrames } from "../../lib/format/fetch-frames.js";
import { BATCH_HEADER_SIZE, decodeRecordBatch, encodeRecordBatch } from "../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../lib/format/types.js";
import { rleFrame, withRecordsSection } from "../unit/format/support.js";
import { type Client, client, startTestServer, type TestServer, utf8 } from "./http-support.js";

const BINARY = { "content-type": BATCHES_MEDIA_TYPE };

let server: TestServer;
let api: Client;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ fsync: "never", maintenanceIntervalMs: 0 });
  api = client(server.url);
});
afterAll(async () => server?.dispose());

async function topic(config?: Record<string, string>): Promise<string> {
  const name = `zstd-${seq++}`;
  expect((await api.post("/v1/topics", { name, partitions: 1, ...(config ? { config } : {}) })).status).toBe(201);
  return name;
}

const records = (n: number, tag: string): RecordInput[] =>
  Array.from({ length: n }, (_, i) => ({
    key: utf8(`k${i}`),
    value: utf8(`${tag} ${i} `.repeat(10).trim()),
    headers: [],
    timestamp: Date.now(),
  }));

/** The binary fetch answer of partition 0 from offset 0: the stored bytes. */
async function storedBytes(name: string): Promise<Uint8Array> {
  const res = await fetch(`${server.url}/v1/fetch`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: BATCHES_MEDIA_TYPE },
    body: JSON.stringify({ partitions: [{ topic: name, partition: 0, offset: 0 }] }),
  });
  expect(res.status).toBe(200);
  const [frame] = decodeFetchFrames(new Uint8Array(await res.arrayBuffer()));
  return frame!.batches;
}

async function jsonValues(name: string): Promise<string[]> {
  const res = await api.get(`/v1/topics/${name}/partitions/0/records?offset=0&maxRecords=100`);
  expect(res.status).toBe(200);
  return res.body.records.map((r: { value: string }) => r.value); // UTF-8 text, the default encoding
}

function streamedByZstdTool(data: Uint8Array): Uint8Array | undefined {
  try {
    return new Uint8Array(execFileSync("zstd", ["-q", "-c", "-1", "--no-content-size"], { input: data }));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw e;
  }
}

describe("zstd over HTTP", () => {
  it("a binary produce of a zstd batch is stored as written and reads back over JSON and binary fetch", async () => {
    const name = await topic();
    const batch = encodeRecordBatch(records(20, "z"), { compression: Compression.zstd });
    const res = await api.post(`/v1/topics/${name}/partitions/0/records`, batch, BINARY);
    expect(res.status).toBe(200);
    const stored = await storedBytes(name);
    expect(stored.subarray(12)).toEqual(batch.subarray(12)); // as written (only the base offset is stamped)
    expect(decodeRecordBatch(stored).header.compression).toBe(Compression.zstd);
    expect(decodeRecordBatch(stored).records.map((r) => Buffer.from(r.value!).toString())).toEqual(
      records(20, "z").map((r) => Buffer.from(r.value!).toString()),
    );
    expect(await jsonValues(name)).toEqual(records(20, "z").map((r) => Buffer.from(r.value!).toString()));
  });

  it("a zstd batch whose frame another encoder wrote (another level; the zstd tool, streamed, if installed) is read", async () => {
    const plain = encodeRecordBatch(records(5, "other"), { compression: Compression.none });
    const zstdHeader = encodeRecordBatch(records(5, "other"), { compression: Compression.zstd });
    const section = plain.subarray(BATCH_HEADER_SIZE);
    const frames = [wasmCompress(section, 19)];
    const tool = streamedByZstdTool(section);
    if (tool) frames.push(tool);
    else console.log("zstd tool not on PATH: the reference-encoder part is skipped");
    for (const frame of frames) {
      const name = await topic();
      const batch = withRecordsSection(zstdHeader, frame);
      expect((await api.post(`/v1/topics/${name}/partitions/0/records`, batch, BINARY)).status).toBe(200);
      expect(await jsonValues(name)).toEqual(records(5, "other").map((r) => Buffer.from(r.value!).toString()));
    }
  });

  it("a zstd bomb is refused with a 400 naming the batch and the limit, and nothing is stored", async () => {
    const name = await topic();
    const one = encodeRecordBatch(records(1, "b"), { compression: Compression.zstd });
    const bomb = withRecordsSection(one, rleFrame(8192, 128 * 1024)); // 32 KiB that inflate to 1 GiB
    const res = await api.post(`/v1/topics/${name}/partitions/0/records`, bomb, BINARY);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("body.batch[0]");
    expect(res.body.detail).toMatch(/zstd: output larger than 16777216 bytes/);
    expect((await api.get(`/v1/topics/${name}`)).body.partitions[0].highWatermark).toBe(0);
    expect(await storedBytes(name)).toHaveLength(0);
  });

  it("compression.type zstd is a topic config; JSON produce then writes zstd batches", async () => {
    const name = await topic({ "compression.type": "zstd" });
    const res = await api.post(`/v1/topics/${name}/records`, {
      records: [{ value: "hello zstd", partition: 0 }],
    });
    expect(res.status).toBe(200);
    expect(decodeRecordBatch(await storedBytes(name)).header.compression).toBe(Compression.zstd);
    expect(await jsonValues(name)).toEqual(["hello zstd"]);
    const bad = await api.post("/v1/topics", {
      name: `zstd-${seq++}`,
      partitions: 1,
      config: { "compression.type": "zstandard" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain("zstd");
  });
});
