/**
 * The producer's bounded buffer (bufferMemory, maxBlockMs) against a real local server behind a fault proxy: while
 * the server refuses produce requests the buffer fills, send() waits and fails after maxBlockMs with a clear,
 * retriable BufferFullError that queued nothing; once answers come back, a waiting send() proceeds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferFullError, InvalidInputError, Strata } from "../../client/src/index.js";
import { readAllRecords, startFaultProxy, startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

/** A record of about 1 KiB of buffer (1000 bytes of value plus the per-record bound). */
const record = (i: number) => ({ value: `${i}`.padEnd(1000, "."), partition: 0 });
const fastRetry = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe("producer backpressure", () => {
  it("send() waits while the buffer is full and fails after maxBlockMs, nothing queued; then proceeds", async () => {
    const proxy = await startFaultProxy(srv.url);
    try {
      const strata = new Strata({ url: proxy.url });
      await strata.admin().createTopic("bp", { partitions: 1 });
      proxy.plan = ({ path }) => (path.includes("/partitions/") ? "refuse" : "pass");
      const producer = strata.producer({ bufferMemory: 2100, maxBlockMs: 300, lingerMs: 0, retry: fastRetry });

      const first = producer.send("bp", record(0));
      const second = producer.send("bp", record(1));
      const started = Date.now();
      const blocked = await producer.send("bp", record(2)).catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(blocked).toBeInstanceOf(BufferFullError);
      expect(blocked).toMatchObject({ code: "buffer-full", retriable: true });
      expect((blocked as Error).message).toMatch(/bufferMemory 2100 bytes\) stayed full for maxBlockMs 300 ms/);
      expect(waited).toBeGreaterThanOrEqual(250);

      // A producer that may wait: its third send stays pending while the buffer is full, and goes through once the
      // server answers and the first batches free the buffer.
      const patient = strata.producer({ bufferMemory: 2100, maxBlockMs: 30_000, lingerMs: 0, retry: fastRetry });
      const queued = [patient.send("bp", record(7)), patient.send("bp", record(8))];
      let waitingDone = false;
      const waiting = patient.send("bp", record(9)).finally(() => {
        waitingDone = true;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(waitingDone).toBe(false);
      proxy.plan = () => "pass";
      await expect(Promise.all([first, second, ...queued, waiting])).resolves.toHaveLength(5);
      await Promise.all([producer.close(), patient.close()]);

      const values = (await readAllRecords(srv.url, "bp")).map((r) => r.value!.replace(/\.+$/, ""));
      expect(values.sort()).toEqual(["0", "1", "7", "8", "9"]); // the send that failed queued nothing
    } finally {
      await proxy.close();
    }
  });

  it("a send larger than the whole buffer fails at once", async () => {
    const strata = new Strata({ url: srv.url });
    const producer = strata.producer({ bufferMemory: 500 });
    await expect(producer.send("bp", record(0))).rejects.toThrow(InvalidInputError);
    await expect(producer.send("bp", record(0))).rejects.toThrow(/more than the producer's whole buffer/);
  });
});
