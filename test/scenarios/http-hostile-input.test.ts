/**
 * The HTTP API under hostile input (trimmed answers, control bytes, lying batch headers, prototype-member names,
 * huge bodies, sequence wrap, binary idempotent fields): one test each, opening with the root cause of its bug.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { createLog, type Log } from "../../lib/log/log.js";
import type { Ledger } from "../../lib/storage/ledger.js";
import type { ObjectStore } from "../../lib/storage/object-store.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

const MEDIA = "application/vnd.strata.batches.v1";
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");

describe("HTTP API under hostile input", () => {
  let server: TestServer;
  let api: Client;
  beforeAll(async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0 });
    api = client(server.url);
  });
  afterAll(() => server.dispose());

  it("POST /v1/fetch: trimming moves the nextOffset the client reads", async () => {
    // Root cause: the answer entry was a copy made before trimToBudget moved nextOffset back on the original,
    // so a trimmed answer told consumers to continue past records it never sent.
    await api.post("/v1/topics", { name: "trim", partitions: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await api.post("/v1/topics/trim/records", {
        encoding: "base64",
        records: Array.from({ length: 400 }, () => ({ value: b64(bytes(1000, 0x41)), partition: 0 })),
      });
      expect(res.status).toBe(200);
    }
    const res = await api.post("/v1/fetch", {
      partitions: [{ topic: "trim", partition: 0, offset: 0 }],
      maxRecords: 10000,
      maxBytes: 3 * 1024 * 1024,
    });
    const [p] = res.body.partitions;
    expect(p.records.length).toBeGreaterThan(0);
    expect(p.nextOffset).toBe(p.records.at(-1).offset + 1);
  });

  it("answers stay under 6 MB even for records of control bytes", async () => {
    // Root cause: JSON writes each control byte as \u00XX (six bytes), and the first record is always sent.
    // Such fields now come back base64 (listed in `base64`), and max.message.bytes is capped at 4 MiB.
    await api.post("/v1/topics", { name: "ctrl", partitions: 1 });
    const big = bytes(1_040_000, 0x01);
    expect(
      (await api.post("/v1/topics/ctrl/records", { encoding: "base64", records: [{ value: b64(big) }] })).status,
    ).toBe(200);
    const res = await fetch(`${server.url}/v1/topics/ctrl/partitions/0/records?offset=0`);
    const text = await res.text();
    expect(text.length).toBeLessThan(6_000_000);
    const body = JSON.parse(text);
    expect(body.records[0].base64).toEqual(["value"]);
    expect(Buffer.from(body.records[0].value, "base64").equals(Buffer.from(big))).toBe(true);
    const tooBig = await api.post("/v1/topics", {
      name: "huge",
      partitions: 1,
      config: { "max.message.bytes": 8_000_000 },
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.field).toBe("config.max.message.bytes");
  });

  it("a binary batch whose maxTimestamp lies about its records is refused", async () => {
    // Root cause: produceBatches trusted the header's maxTimestamp, which feeds offset-for-time and retention.
    await api.post("/v1/topics", { name: "liar", partitions: 1 });
    const now = Date.now();
    const batch = encodeRecordBatch([{ key: null, value: bytes(3, 1), headers: [], timestamp: now }]);
    const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    view.setBigInt64(35, BigInt(now + 10 * 365 * 86_400_000));
    const { crc32c } = await import("../../lib/format/crc32c.js");
    view.setUint32(17, crc32c(batch, 21, batch.length));
    const res = await api.post("/v1/topics/liar/partitions/0/records", batch, { "content-type": MEDIA });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("maxTimestamp");
    expect((await api.get("/v1/topics/liar")).body.partitions[0].highWatermark).toBe(0);
  });

  it("names that are Object.prototype members are plain names", async () => {
    // Root cause: lookups in plain objects found inherited members (config keys, member ids, topic names).
    const cfg = await api.post("/v1/topics", { name: "proto", partitions: 2, config: { constructor: "x" } });
    expect(cfg.status).toBe(400);
    expect(cfg.body.field).toBe("config.constructor");
    expect((await api.post("/v1/topics", { name: "constructor", partitions: 2 })).status).toBe(201);
    const join = await api.post("/v1/groups/protos/members", { topics: ["constructor"], memberId: "constructor" });
    expect(join.status).toBe(200);
    expect(join.body.assignments).toHaveLength(2);
    const again = await api.post("/v1/groups/protos2/members", { topics: ["constructor"], memberId: "__proto__" });
    expect(again.status).toBe(200);
    expect(again.body.assignments).toHaveLength(2);
  });

  it("200,000 records in one body are taken, not a stack overflow", async () => {
    // Root cause: Math.max(...records.map(...)) spread every record onto the call stack.
    await api.post("/v1/topics", { name: "many", partitions: 1 });
    const batchOf = (n: number) =>
      encodeRecordBatch(
        Array.from({ length: n }, () => ({ key: null, value: null, headers: [], timestamp: Date.now() })),
      );
    // A batch holds at most 10,000 records (test/scenarios/poison-batch.test.ts): 20 full batches in one body.
    const one = batchOf(10_000);
    const body = new Uint8Array(one.length * 20);
    for (let i = 0; i < 20; i++) body.set(one, i * one.length);
    const res = await api.post("/v1/topics/many/partitions/0/records", body, { "content-type": MEDIA });
    expect(res.status).toBe(200);
    expect((await api.get("/v1/topics/many")).body.partitions[0].highWatermark).toBe(200_000);
    // as one batch: a clear 400, still no stack overflow
    const whole = await api.post("/v1/topics/many/partitions/0/records", batchOf(200_000), { "content-type": MEDIA });
    expect(whole.status).toBe(400);
  });

  it("idempotent sequences wrap from 2^31-1 to 0, as in Kafka", async () => {
    // Root cause: nextSeq kept growing past the int32 range, so a Kafka client's wrapped sequence was refused.
    const log = server.log as Log;
    const d = await log.createTopic("wrap", 1);
    const { producerId, producerEpoch } = await log.registerProducer();
    const top = 2 ** 31 - 1;
    // A producer that has written almost 2^31 records to this partition (planting the state saves the wait).
    await log.produce("wrap", [{ key: null, value: bytes(1, 1), partition: 0 }], {
      producerId,
      producerEpoch,
      baseSequences: { 0: 0 },
    });
    const key = { pk: `ps#${d.id}#0`, sk: String(producerId) };
    const ledger = (log as unknown as { deps: { ledger: Ledger } }).deps.ledger;
    const item = await ledger.get(key);
    await ledger.write({
      type: "put",
      key,
      attrs: { ...item!.attrs, nextSeq: top - 1, recent: [[top - 2, top - 2, 0]] },
    });
    const send = (seq: number, n: number) =>
      createLog({ ledger, store: (log as unknown as { deps: { store: ObjectStore } }).deps.store }).produce(
        "wrap",
        Array.from({ length: n }, () => ({ key: null, value: bytes(1, 2), partition: 0 })),
        { producerId, producerEpoch, baseSequences: { 0: seq } },
      );
    expect((await send(top - 1, 3)).results.map((r) => "offset" in r && r.offset)).toEqual([1, 2, 3]); // seqs top-1, top, 0
    expect((await send(1, 1)).results).toEqual([{ partition: 0, offset: 4 }]); // after the wrap
    expect((await send(top - 1, 3)).results.map((r) => "offset" in r && r.offset)).toEqual([1, 2, 3]); // a retry
    await expect(send(5, 1)).rejects.toMatchObject({ code: "OUT_OF_ORDER_SEQUENCE" });
    const over = await api.post("/v1/topics/wrap/records", {
      producerId,
      producerEpoch,
      baseSequences: { "0": 2 ** 31 },
      records: [{ value: "x", partition: 0 }],
    });
    expect(over.status).toBe(400);
  });

  it("binary idempotent fields are checked like JSON ones", async () => {
    // Root cause: the query-parameter path skipped the int16/int32 range checks and header agreement.
    await api.post("/v1/topics", { name: "binid", partitions: 1 });
    const batch = encodeRecordBatch([{ key: null, value: bytes(1, 1), headers: [], timestamp: Date.now() }]);
    const res = await api.post(
      "/v1/topics/binid/partitions/0/records?producerId=9&producerEpoch=99999&baseSequence=0",
      batch,
      {
        "content-type": MEDIA,
      },
    );
    expect(res.status).toBe(400);
    const mismatch = await api.post(
      "/v1/topics/binid/partitions/0/records?producerId=8&producerEpoch=0&baseSequence=0",
      encodeRecordBatch([{ key: null, value: bytes(1, 1), headers: [], timestamp: Date.now() }], {
        producerId: 7,
        producerEpoch: 0,
        baseSequence: 0,
      }),
      { "content-type": MEDIA },
    );
    expect(mismatch.status).toBe(400);
    expect((await api.get("/v1/topics/binid")).body.partitions[0].highWatermark).toBe(0);
  });
});
