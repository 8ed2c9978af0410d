/**
 * `for await (const message of consumer)` against a real local server: messages arrive one at a time in order,
 * leaving the loop closes the consumer (the message in hand is committed, the member leaves the group), the next
 * member of the group carries on from there, and an error that stops the consumer is thrown by the loop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsumedMessage, Strata } from "../../client/src/index.js";
import { startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
let strata: Strata;
beforeAll(async () => {
  srv = await startTestServer();
  strata = new Strata({ url: srv.url });
});
afterAll(async () => {
  await srv.close();
});

describe("consumer as an async iterator", () => {
  it("break leaves the group with the message in hand committed; the next member resumes after it", async () => {
    await strata.admin().createTopic("iter", { partitions: 1 });
    const producer = strata.producer();
    await producer.send(
      "iter",
      Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    );
    await producer.close();

    const first = strata.consumer({ groupId: "iter-g", autoOffsetReset: "earliest", sessionTimeoutMs: 6000 });
    first.subscribe({ topics: ["iter"] });
    const got: ConsumedMessage[] = [];
    for await (const message of first) {
      got.push(message);
      if (got.length === 4) break;
    }
    expect(got.map((m) => [m.topic, m.partition, m.offset, m.value?.toString()])).toEqual([
      ["iter", 0, 0, "m0"],
      ["iter", 0, 1, "m1"],
      ["iter", 0, 2, "m2"],
      ["iter", 0, 3, "m3"],
    ]);
    const described = await strata.admin().describeGroup("iter-g");
    expect(described.members).toEqual([]);
    const offsets = await strata.admin().fetchOffsets("iter-g");
    expect(offsets).toMatchObject([{ topic: "iter", partition: 0, offset: 4 }]);

    const second = strata.consumer({ groupId: "iter-g", sessionTimeoutMs: 6000 });
    second.subscribe({ topics: ["iter"] });
    const rest: string[] = [];
    for await (const message of second) {
      rest.push(message.value!.toString());
      if (message.offset === 9) break;
    }
    expect(rest).toEqual(["m4", "m5", "m6", "m7", "m8", "m9"]);
  });

  it("close() from inside the loop ends it without a deadlock", async () => {
    await strata.admin().createTopic("iter-close", { partitions: 1 });
    const producer = strata.producer();
    await producer.send("iter-close", [{ value: "a" }, { value: "b" }]);
    await producer.close();
    const consumer = strata.consumer({ maxWaitMs: 100 });
    consumer.assign([{ topic: "iter-close", partition: 0, offset: "earliest" }]);
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(message.value!.toString());
      await consumer.close();
    }
    expect(seen).toEqual(["a"]);
  });

  it("an error that stops the consumer is thrown by the loop", async () => {
    const consumer = strata.consumer({ maxWaitMs: 100 });
    consumer.assign([{ topic: "no-such-topic", partition: 0, offset: "earliest" }]);
    await expect(async () => {
      for await (const _ of consumer) {
        // never reached
      }
    }).rejects.toThrow(/no-such-topic/);
    await consumer.close();
  });
});
