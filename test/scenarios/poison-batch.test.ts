/**
 * A poison batch: a small compressed batch of millions of tiny records. Produce refuses a batch of more than
 * MAX_RECORDS_PER_BATCH records on every path, naming the body and the limit; and a batch stored before that
 * limit existed costs a JSON read what the read returns (records are decoded one at a time, the read stops at
 * maxRecords), not what the batch holds. POST /v1/fetch refuses a partition named twice.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCHES_MEDIA_TYPE, MAX_RECORDS_PER_BATCH } from "../../lib/contract.js";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../lib/format/types.js";
import { incomingObjectKey } from "../../lib/log/keys.js";
import { createLog } from "../../lib/log/log.js";
import { Sequencer } from "../../lib/log/sequencer.js";
import { systemClock } from "../../lib/storage/clock.js";
import { openEmbeddedStorage } from "../../lib/storage/data-dir.js";
import { expectCode } from "../support/expect.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

const BINARY = { "content-type": BATCHES_MEDIA_TYPE };
const POISON_RECORDS = 1_750_000;
const MiB = 1024 * 1024;

/**
 * `count` empty records as one batch. One record object repeated: the test itself stays small, so the
 * server's peak memory below is the server's.
 */
function emptyRecords(count: number, compression: (typeof Compression)[keyof typeof Compression] = Compression.none) {
  const record: RecordInput = { key: null, value: null, headers: [], timestamp: Date.now() };
  return encodeRecordBatch(new Array<RecordInput>(count).fill(record), { compression });
}

/** The process's peak resident memory so far, in bytes (the server runs in this process). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

describe("a poison batch (millions of tiny records, small once compressed)", () => {
  let server: TestServer;
  let api: Client;
  let poison: Uint8Array;

  beforeAll(async () => {
    poison = emptyRecords(POISON_RECORDS, Compression.gzip);
    expect(poison.length).toBeLessThan(4 * MiB); // under the request limit: only the record count is wrong
    // Stored as an older server accepted it: object written and committed without the produce checks.
    const dataDir = await mkdtemp(join(tmpdir(), "strata-poison-"));
    const storage = await openEmbeddedStorage(dataDir, { fsync: "never" });
    const log = createLog({ ledger: storage.ledger, store: storage.store });
    await log.createTopic("stored", 1);
    await log.createTopic("ordinary", 1);
    await log.produce("ordinary", [{ partition: 0, key: null, value: new Uint8Array(10), headers: [] }]);
    const topic = await log.topics.get("stored");
    const object = incomingObjectKey(topic.id, Date.now(), "poison");
    await storage.store.put(object, poison);
    const sequencer = new Sequencer(storage.ledger, systemClock, Math.random);
    await sequencer.commit({
      topic,
      partition: 0,
      object,
      pos: 0,
      len: poison.length,
      count: POISON_RECORDS,
      maxTs: Date.now(),
      deadline: Date.now() + 60_000,
    });
    log.stopWaiting();
    await storage.close();
    server = await startTestServer({ dataDir, fsync: "never", maintenanceIntervalMs: 0 });
    api = client(server.url);
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("a binary produce of it is refused with a 400 naming the body's batch and the records-per-batch limit", async () => {
    await api.post("/v1/topics", { name: "fresh", partitions: 1 });
    const res = await api.post("/v1/topics/fresh/partitions/0/records", poison, BINARY);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("body.batch[0]");
    expect(res.body.limit).toBe(MAX_RECORDS_PER_BATCH);
    expect(res.body.detail).toContain(String(MAX_RECORDS_PER_BATCH));
    expect(res.body.detail).toContain(String(POISON_RECORDS));
    expect((await api.get("/v1/topics/fresh")).body.partitions[0].highWatermark).toBe(0);
    // the limit is published
    const doc = (await api.get("/v1/openapi.json")).body;
    expect(doc.info.description).toContain(`${MAX_RECORDS_PER_BATCH} records per produced batch`);
  });

  it("a batch of exactly the limit goes in; one record more is refused, whichever way it is produced", async () => {
    await api.post("/v1/topics", { name: "edge", partitions: 1 });
    const over = await api.post(
      "/v1/topics/edge/partitions/0/records",
      emptyRecords(MAX_RECORDS_PER_BATCH + 1),
      BINARY,
    );
    expect(over.status).toBe(400);
    expect(over.body.field).toBe("body.batch[0]");
    const at = await api.post("/v1/topics/edge/partitions/0/records", emptyRecords(MAX_RECORDS_PER_BATCH), BINARY);
    expect(at.status).toBe(200);
    // The domain's JSON-record path builds one batch per partition: the same limit, located at the record list.
    const records = Array.from({ length: MAX_RECORDS_PER_BATCH + 1 }, () => ({ partition: 0, key: null, value: null }));
    const err = await expectCode(server.log.produce("edge", records), "INVALID_ARGUMENT");
    expect(err.details).toMatchObject({ limit: MAX_RECORDS_PER_BATCH });
    expect(err.details.at).toEqual({});
    expect((await api.get("/v1/topics/edge")).body.partitions[0].highWatermark).toBe(MAX_RECORDS_PER_BATCH);
  });

  it("a maxRecords=1 JSON read of a stored one answers quickly, with bounded memory", async () => {
    const ordinary = await api.get("/v1/topics/ordinary/partitions/0/records?offset=0&maxRecords=1");
    expect(ordinary.body.records).toHaveLength(1);
    const before = peakRss();
    const times: number[] = [];
    for (const offset of [0, 0, 0, 1_000_000, POISON_RECORDS - 1]) {
      const t0 = performance.now();
      const res = await api.get(`/v1/topics/stored/partitions/0/records?offset=${offset}&maxRecords=1`);
      times.push(performance.now() - t0);
      expect(res.status).toBe(200);
      expect(res.body.records.map((r: { offset: number }) => r.offset)).toEqual([offset]);
      expect(res.body.nextOffset).toBe(offset + 1);
    }
    // Decoding every record cost ~1 s and ~400 MB per read; one record costs inflating 16 MiB (tens of ms).
    const growth = peakRss() - before;
    expect(growth).toBeLessThan(150 * MiB);
    expect(Math.min(...times)).toBeLessThan(400);
    expect(times.reduce((a, b) => a + b, 0)).toBeLessThan(5_000);
    // a read by time stops at the first record it needs too
    const t0 = performance.now();
    const byTime = await api.get("/v1/topics/stored/partitions/0/records?timestamp=0&maxRecords=1");
    expect(byTime.body.records.map((r: { offset: number }) => r.offset)).toEqual([0]);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(peakRss() - before).toBeLessThan(150 * MiB);
  });

  it("concurrent reads of a stored one leave /healthz answering", async () => {
    const reads = Array.from({ length: 12 }, () =>
      api.get("/v1/topics/stored/partitions/0/records?offset=0&maxRecords=1"),
    );
    const t0 = performance.now();
    const health = await api.get("/healthz");
    const waited = performance.now() - t0;
    expect(health.status).toBe(200);
    for (const res of await Promise.all(reads)) expect(res.status).toBe(200);
    expect(waited).toBeLessThan(3_000);
  });

  it("POST /v1/fetch refuses a partition named twice, naming the second mention", async () => {
    const res = await api.post("/v1/fetch", {
      partitions: [
        { topic: "ordinary", partition: 0, offset: 0 },
        { topic: "stored", partition: 0, offset: 0 },
        { topic: "stored", partition: 0, offset: 5 },
      ],
      maxRecords: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("partitions[2]");
    expect(res.body.detail).toContain("partitions[1]");
    const once = await api.post("/v1/fetch", {
      partitions: [
        { topic: "ordinary", partition: 0, offset: 0 },
        { topic: "stored", partition: 0, offset: 0 },
      ],
      maxRecords: 1,
    });
    expect(once.status).toBe(200);
    expect(once.body.partitions.map((p: { records: unknown[] }) => p.records.length)).toEqual([1, 1]);
  });

  it("a binary produce names body paths in every error, a too-large record's 413 included", async () => {
    await api.post("/v1/topics", { name: "small", partitions: 1, config: { "max.message.bytes": 1000 } });
    const big = encodeRecordBatch([{ key: null, value: new Uint8Array(2000), headers: [], timestamp: Date.now() }]);
    const res = await api.post("/v1/topics/small/partitions/0/records", big, BINARY);
    expect(res.status).toBe(413);
    expect(res.body.field).toBe("body.batch[0].records[0]");
    expect(JSON.stringify(res.body)).not.toContain("batches[");
  });
});
