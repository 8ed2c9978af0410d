/**
 * One corrupt partition must not stall the others. A real local server holds a two-partition topic; one byte of a
 * value stored for partition 0 is flipped in its pack file on disk, as a failing disk would. Then:
 * - a fetch of partition 0 answers the corrupt-data problem: not retriable, naming topic, partition and offset;
 * - POST /v1/fetch answers partition 1's records beside partition 0's problem, and logs that 5xx like a route error;
 * - the SDK consumer delivers partition 1, reports partition 0 once through onPartitionError and pauses it (no
 *   request storm), can skip the damaged batch with seek + resume, and retries a retriable partition error for that
 *   partition alone, with backoff.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Message, Strata, type StrataClientError } from "../../client/src/index.js";
import { BATCHES_MEDIA_TYPE } from "../../lib/contract.js";
import { decodeFetchFrames, encodeFetchFrames, type FetchFrame } from "../../lib/format/fetch-frames.js";
import { captureLog } from "../support/log-capture.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
/** the server's log: it logs every 5xx it answers */
const captured = captureLog("error");

beforeAll(async () => {
  server = await startTestServer({ logger: captured.logger });
  api = client(server.url);
});
afterAll(async () => server?.dispose());

/** The server faults logged from now on. */
const faultsFromNow = () => {
  captured.clear();
  return () => captured.lines.filter((l) => l.msg === "request failed");
};

let seq = 0;
/**
 * A topic with two partitions: partition 0 holds "p0-damaged-0..2" (one batch, offsets 0-2) and then
 * "p0-after-0..1" (offsets 3-4); partition 1 holds "p1-0..2". One byte of "p0-damaged-1" is flipped on disk.
 */
async function topicWithDamagedPartition0(): Promise<string> {
  const topic = `corrupt-${seq++}-${Date.now()}`;
  expect((await api.post("/v1/topics", { name: topic, partitions: 2 })).status).toBe(201);
  const produce = async (partition: number, values: string[]) => {
    const res = await api.post(`/v1/topics/${topic}/records`, {
      records: values.map((value) => ({ value, partition })),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  const marker = `${topic}-p0-damaged-1`;
  await produce(
    0,
    [0, 1, 2].map((i) => `${topic}-p0-damaged-${i}`),
  );
  await produce(0, ["p0-after-0", "p0-after-1"]);
  await produce(1, ["p1-0", "p1-1", "p1-2"]);
  await flipByteOf(marker);
  return topic;
}

/** Flips one bit of the first stored copy of `text` in the server's pack files. */
async function flipByteOf(text: string): Promise<void> {
  const dir = join(server.dataDir, "packs");
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".pack"))) {
    const bytes = await readFile(join(dir, name));
    const at = bytes.indexOf(Buffer.from(text));
    if (at < 0) continue;
    bytes[at + text.length - 1]! ^= 0x01;
    await writeFile(join(dir, name), bytes);
    return;
  }
  throw new Error(`no pack file holds ${text}`);
}

const corruptProblem = (topic: string) => ({
  type: "urn:strata:problem:corrupt-data",
  status: 500,
  retriable: false,
  topic,
  partition: 0,
  offset: 0,
  nextOffset: 3,
});

async function until(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("HTTP fetch of a corrupt partition", () => {
  it("answers the corrupt-data problem, not retriable, naming topic, partition and offset", async () => {
    const topic = await topicWithDamagedPartition0();
    faultsFromNow();

    const json = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(json.contentType).toContain("application/problem+json");
    expect(json.body).toMatchObject(corruptProblem(topic));
    expect(json.body.detail).not.toMatch(/safe to retry/);

    const binary = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=1`, {
      accept: BATCHES_MEDIA_TYPE,
    });
    expect(binary.body).toMatchObject({ ...corruptProblem(topic), offset: 0 });

    // past the damaged batch the partition reads again
    const after = await api.get(`/v1/topics/${topic}/partitions/0/records?offset=3`);
    expect(after.body.records.map((r: { value: string }) => r.value)).toEqual(["p0-after-0", "p0-after-1"]);
  });

  it("POST /v1/fetch answers the healthy partition's records beside the corrupt one's problem, and logs it", async () => {
    const topic = await topicWithDamagedPartition0();
    const logged = faultsFromNow();

    const res = await api.post("/v1/fetch", {
      partitions: [
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 0 },
      ],
    });

    expect(res.status).toBe(200);
    expect(res.body.partitions[0]).toMatchObject({ topic, partition: 0, error: corruptProblem(topic) });
    expect(res.body.partitions[1].records.map((r: { value: string }) => r.value)).toEqual(["p1-0", "p1-1", "p1-2"]);
    // logged as a failed route is: its code, then the error itself (with its details and stack)
    expect(logged()).toHaveLength(1);
    expect(logged()[0]).toMatchObject({
      level: "error",
      code: "CORRUPT_DATA",
      err: { code: "CORRUPT_DATA", details: { topic, partition: 0, offset: 0, nextOffset: 3 } },
    });
  });
});

/** A Strata whose requests are counted, and whose POST /v1/fetch answers `rewrite` may change. */
function countingStrata(rewrite?: (answer: { partitions: Record<string, unknown>[] }) => void) {
  const fetches: { partitions: { partition: number }[] }[] = [];
  const strata = new Strata({
    url: server.url,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith("/v1/fetch")) return res;
      fetches.push(JSON.parse(Buffer.from(init?.body as Uint8Array).toString()));
      if (!rewrite || res.status !== 200) return res;
      // The consumer reads fetch frames: rewritten as partition entries, an entry with `error` becomes a problem frame.
      const frames = decodeFetchFrames(new Uint8Array(await res.arrayBuffer()));
      const answer = { partitions: frames.map((f) => ({ ...f }) as Record<string, unknown>) };
      rewrite(answer);
      const none = { offset: -1, nextOffset: -1, highWatermark: -1, logStartOffset: -1, batches: [] };
      const body = encodeFetchFrames(
        answer.partitions.map((p) =>
          "error" in p
            ? { topic: String(p.topic), partition: Number(p.partition), ...none, problem: JSON.stringify(p.error) }
            : { ...(p as unknown as FetchFrame), batches: [(p as unknown as FetchFrame).batches] },
        ),
      );
      return new Response(body, { status: 200, headers: { "content-type": BATCHES_MEDIA_TYPE } });
    },
  });
  const including = (partition: number) =>
    fetches.filter((f) => f.partitions.some((p) => p.partition === partition)).length;
  return { strata, fetches, including };
}

describe("SDK consumer with a corrupt partition", () => {
  it("delivers the healthy partition, reports the corrupt one once and pauses it, and can skip past it", async () => {
    const topic = await topicWithDamagedPartition0();
    faultsFromNow();
    const { strata, fetches, including } = countingStrata();
    const seen: { partition: number; value: string }[] = [];
    const reported: { error: StrataClientError; at: { topic: string; partition: number; offset: unknown } }[] = [];
    const consumer = strata.consumer({
      maxWaitMs: 100,
      onPartitionError: (error, at) => {
        reported.push({ error, at });
      },
    });
    consumer.assign([
      { topic, partition: 0, offset: 0 },
      { topic, partition: 1, offset: 0 },
    ]);
    try {
      await consumer.run({
        eachMessage: ({ partition, message }: { partition: number; message: Message }) => {
          seen.push({ partition, value: message.value!.toString() });
        },
      });

      await until(() => seen.length >= 3 && reported.length >= 1, 10_000, "partition 1 and the report");
      const fetchesAtReport = fetches.length;
      await new Promise((r) => setTimeout(r, 1000));

      expect(seen).toEqual(["p1-0", "p1-1", "p1-2"].map((value) => ({ partition: 1, value })));
      expect(reported).toHaveLength(1);
      expect(reported[0]!.at).toEqual({ topic, partition: 0, offset: 0 });
      expect(reported[0]!.error).toMatchObject({
        code: "corrupt-data",
        retriable: false,
        details: { topic, partition: 0, offset: 0, nextOffset: 3 },
      });
      expect(consumer.paused()).toEqual([{ topic, partition: 0 }]);
      // the corrupt partition was asked for once; the healthy one long-polls on (about 10 polls of 100 ms)
      expect(including(0)).toBe(1);
      expect(fetches.length - fetchesAtReport).toBeLessThan(30);

      // The user accepts the loss: skip the damaged batch and carry on.
      const nextOffset = Number(reported[0]!.error.details.nextOffset);
      consumer.seek({ topic, partition: 0, offset: nextOffset });
      consumer.resume([{ topic, partition: 0 }]);
      await until(() => seen.length === 5, 10_000, "partition 0 past the damaged batch");
      expect(seen.slice(3)).toEqual(["p0-after-0", "p0-after-1"].map((value) => ({ partition: 0, value })));
      expect(reported).toHaveLength(1);
    } finally {
      await consumer.close();
    }
  });

  it("without onPartitionError, a corrupt partition stops the consumer with the error (as a kafkajs crash)", async () => {
    const topic = await topicWithDamagedPartition0();
    faultsFromNow();
    const consumer = new Strata({ url: server.url }).consumer({ maxWaitMs: 100 });
    consumer.assign([
      { topic, partition: 0, offset: 0 },
      { topic, partition: 1, offset: 0 },
    ]);
    const seen: number[] = [];
    await consumer.run({ eachMessage: ({ partition }) => void seen.push(partition) });
    await expect(consumer.stopped()).rejects.toMatchObject({ code: "corrupt-data", retriable: false });
    expect(seen).toEqual([1, 1, 1]);
    await consumer.close();
  });

  it("retries a retriable partition error with backoff for that partition alone, while the others go on", async () => {
    const topic = await topicWithDamagedPartition0();
    faultsFromNow();
    // Partition 1 answers 503 unavailable for its first four fetches; partition 0 is read from offset 3 (healthy).
    let failuresLeft = 4;
    const { strata, including } = countingStrata((answer) => {
      const i = answer.partitions.findIndex((p) => p.partition === 1);
      if (i < 0 || failuresLeft === 0) return;
      failuresLeft--;
      answer.partitions[i] = {
        topic,
        partition: 1,
        error: { type: "urn:strata:problem:unavailable", title: "Service unavailable", status: 503, detail: "x" },
      };
    });
    const reported: StrataClientError[] = [];
    const seen: { partition: number; value: string }[] = [];
    let fetchesOfPartition1 = 0;
    const consumer = strata.consumer({ maxWaitMs: 50, onPartitionError: (error) => void reported.push(error) });
    consumer.assign([
      { topic, partition: 0, offset: 3 },
      { topic, partition: 1, offset: 0 },
    ]);
    const started = Date.now();
    try {
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          if (partition === 1 && fetchesOfPartition1 === 0) fetchesOfPartition1 = including(1);
          seen.push({ partition, value: message.value!.toString() });
        },
      });
      await until(() => seen.some((s) => s.partition === 1), 15_000, "partition 1 after its failures");
      const elapsed = Date.now() - started;
      expect(reported.map((e) => [e.code, e.retriable])).toEqual(Array(4).fill(["unavailable", true]));
      // partition 0 was delivered while partition 1 was failing
      expect(seen.slice(0, 2)).toEqual(["p0-after-0", "p0-after-1"].map((value) => ({ partition: 0, value })));
      // backoff: 4 failures wait at least 50 + 100 + 200 + 400 ms in total; and partition 1 was not asked in a storm
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(fetchesOfPartition1).toBe(5);
      expect(consumer.paused()).toEqual([]);
    } finally {
      await consumer.close();
    }
  });
});
