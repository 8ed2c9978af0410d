/**
 * [http] figures: produce and fetch over real HTTP to the local server (JSON and the binary batch media type),
 * with p50/p99 latency, each as a ratio to the same work done in process in the same run; and item 10 of the
 * [shape] issue: one client reading one partition sequentially, 1 KiB records, 1000 a request, fetch against
 * produce, the SDK producer's binary path against JSON produce, and Strata against Redis Streams.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFetchFrames } from "../lib/format/fetch-frames.js";
import { encodeRecordBatch } from "../lib/format/record-batch.js";
import { startServer } from "../lib/server/server.js";
import { createStrata } from "../lib/strata.js";
import { benchRedis } from "./redis.js";
import { producerRequests } from "./sdk.js";
import { type Figures, recordValue, round, timed } from "./support.js";

const MEDIA = "application/vnd.strata.batches.v1";
const PER_REQUEST = 1000;

const ratio = (a: Figures, b: Figures) => round(a.mbPerSec / b.mbPerSec);
const perSec = (a: Figures, b: Figures | undefined) => (b ? round(a.recordsPerSec / b.recordsPerSec) : null);

export async function benchHttp(quick: boolean) {
  const requests = quick ? 5 : 25;
  const values = Array.from({ length: PER_REQUEST }, (_, i) => recordValue(i));
  const batch = encodeRecordBatch(values.map((value) => ({ key: null, value, headers: [], timestamp: Date.now() })));
  const b64 = values.map((v) => Buffer.from(v).toString("base64"));

  // In process: the baseline.
  const dir = await mkdtemp(join(tmpdir(), "strata-bench-http-"));
  const strata = await createStrata({ storage: { backend: "embedded", dataDir: join(dir, "inproc") } });
  const log = strata.log;
  await log.createTopic("inproc", 1);
  const records = values.map((value) => ({ key: null, value, partition: 0 }));
  await log.produce("inproc", records);
  const inProduceJson = await timed(requests, async () => (await log.produce("inproc", records)).results.length);
  const inProduceBinary = await timed(requests, async () => {
    await log.produceBatches("inproc", [{ partition: 0, bytes: batch }]);
    return PER_REQUEST;
  });
  let offset = 0;
  const inFetch = await timed(requests, async () => {
    const r = await log.fetch("inproc", 0, { offset, maxRecords: PER_REQUEST, maxBytes: 3 * 1024 * 1024 });
    offset = r.nextOffset;
    return r.records.length;
  });
  await strata.close();

  // Over HTTP.
  const server = await startServer({ port: 0, dataDir: join(dir, "server") });
  try {
    const url = server.url;
    await fetch(`${url}/v1/topics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "http", partitions: 1 }),
    });
    const jsonBody = JSON.stringify({ encoding: "base64", records: b64.map((value) => ({ value, partition: 0 })) });
    const produceJson = await timed(requests, async () => {
      const res = await fetch(`${url}/v1/topics/http/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: jsonBody,
      });
      const body = (await res.json()) as { offsets: unknown[] };
      return body.offsets.length;
    });
    const produceBinary = await timed(requests, async () => {
      const res = await fetch(`${url}/v1/topics/http/partitions/0/records`, {
        method: "POST",
        headers: { "content-type": MEDIA },
        body: batch,
      });
      await res.arrayBuffer();
      return PER_REQUEST;
    });
    let next = 0;
    const fetchJson = await timed(requests, async () => {
      const res = await fetch(
        `${url}/v1/topics/http/partitions/0/records?offset=${next}&maxRecords=${PER_REQUEST}&encoding=base64`,
      );
      const body = (await res.json()) as { records: unknown[]; nextOffset: number };
      next = body.nextOffset;
      return body.records.length;
    });
    next = 0;
    const fetchBinary = await timed(requests, async () => {
      const res = await fetch(`${url}/v1/topics/http/partitions/0/records?offset=${next}&maxBytes=1100000`, {
        headers: { accept: MEDIA },
      });
      await res.arrayBuffer();
      const from = next;
      next = Number(res.headers.get("strata-next-offset"));
      return next - from;
    });
    next = 0;
    // Several partitions' frames in one body (the SDK consumer's read), here one partition, as the others.
    const fetchFrames = await timed(requests, async () => {
      const res = await fetch(`${url}/v1/fetch`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: MEDIA },
        body: JSON.stringify({ partitions: [{ topic: "http", partition: 0, offset: next }], maxRecords: PER_REQUEST }),
      });
      const [frame] = decodeFetchFrames(new Uint8Array(await res.arrayBuffer()));
      const from = next;
      next = frame!.nextOffset;
      return next - from;
    });
    const sdkProduce = await producerRequests(url, "http", requests, values);
    const redis = await benchRedis(requests, values);
    const peer = "skipped" in redis ? undefined : redis;
    return {
      inProcess: { produceJson: inProduceJson, produceBinary: inProduceBinary, fetch: inFetch },
      http: { produceJson, produceBinary, fetchJson, fetchBinary, fetchFrames, sdkProduce },
      redis,
      fetchAsFastAsProduce: {
        fetchJsonToProduceJson: perSec(fetchJson, produceJson),
        fetchBinaryToFetchJson: perSec(fetchBinary, fetchJson),
        fetchFramesToFetchJson: perSec(fetchFrames, fetchJson),
        sdkProduceToProduceJson: perSec(sdkProduce, produceJson),
        produceJsonToRedis: perSec(produceJson, peer?.produce),
        fetchJsonToRedis: perSec(fetchJson, peer?.fetch),
        fetchBinaryToRedis: perSec(fetchBinary, peer?.fetch),
      },
      ratiosToInProcess: {
        produceJson: ratio(produceJson, inProduceJson),
        produceBinary: ratio(produceBinary, inProduceBinary),
        fetchJson: ratio(fetchJson, inFetch),
        fetchBinary: ratio(fetchBinary, inFetch),
      },
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
