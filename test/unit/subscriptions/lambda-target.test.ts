/**
 * Lambda targets: the exact Invoke the adapter sends and how it reads answers (aws-sdk-client-mock), then the real
 * SDK client against a local fake of the Invoke API (an HTTP server speaking Lambda's wire format), driven by a
 * woken delivery (Wake.heads, what the stream-triggered function runs) over the embedded storage: a function error
 * isolates the bad record by bisection and dead-letters it; progress is committed.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { createStrata } from "../../../lib/strata.js";
import { lambdaTarget } from "../../../lib/subscriptions/aws-lambda-target.js";
import { eventOf } from "../../../lib/subscriptions/event.js";
import type { DeliveryEvent } from "../../../lib/subscriptions/types.js";

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:consumer";
const record = (offset: number, value: string) => ({
  offset,
  timestamp: 1,
  key: null,
  value: new TextEncoder().encode(value),
  headers: [{ name: "h", value: new Uint8Array([1, 2]) }],
});
const event = eventOf("s", "g", "orders", 3, [record(7, "a"), record(8, "b")]);
/** A payload as the SDK answers it (the mock skips the SDK's own wrapping of the bytes). */
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)) as InvokeCommandOutput["Payload"];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("the Lambda target", () => {
  it("invokes the function synchronously with the Kafka-style event", async () => {
    const lambda = mockClient(LambdaClient);
    cleanups.push(async () => lambda.restore());
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: json(null) });
    expect(await lambdaTarget(new LambdaClient({}), { type: "lambda", functionArn: ARN }).deliver(event)).toEqual({
      ok: true,
    });
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call!.args[0].input).toMatchObject({ FunctionName: ARN, InvocationType: "RequestResponse" });
    const sent = JSON.parse(new TextDecoder().decode(call!.args[0].input.Payload as Uint8Array));
    expect(sent).toEqual({
      eventSource: "strata",
      subscription: "s",
      group: "g",
      records: {
        "orders-3": [
          {
            topic: "orders",
            partition: 3,
            offset: 7,
            timestamp: 1,
            timestampType: "CREATE_TIME",
            key: null,
            value: "YQ==",
            headers: [{ h: [1, 2] }],
          },
          expect.objectContaining({ offset: 8, value: "Yg==" }),
        ],
      },
    });
  });

  it("reads function errors, failed invocations and partial-batch answers", async () => {
    const lambda = mockClient(LambdaClient);
    cleanups.push(async () => lambda.restore());
    const target = lambdaTarget(new LambdaClient({}), { type: "lambda", functionArn: ARN });
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, FunctionError: "Unhandled", Payload: json({ errorMessage: "boom" }) })
      .rejectsOnce(new Error("TooManyRequestsException"))
      .resolvesOnce({ StatusCode: 200, Payload: json({ batchItemFailures: [{ itemIdentifier: "8" }] }) })
      .resolvesOnce({ StatusCode: 200, Payload: json({ batchItemFailures: [{ itemIdentifier: "99" }] }) })
      .resolvesOnce({ StatusCode: 200, Payload: json({ batchItemFailures: [] }) });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await target.deliver(event));
    expect(outcomes[0]).toEqual({ ok: false, error: expect.stringContaining("boom") });
    expect(outcomes[1]).toEqual({ ok: false, error: expect.stringContaining("TooManyRequests") });
    expect(outcomes[2]).toEqual({ ok: false, error: expect.any(String), failedFrom: 8 });
    expect(outcomes[3]).toEqual({ ok: false, error: expect.stringContaining("not an offset of the batch") });
    expect(outcomes[4]).toEqual({ ok: true });
  });
});

/** A fake of Lambda's Invoke API: POST /2015-03-31/functions/{name}/invocations, errors in X-Amz-Function-Error. */
async function fakeLambda(fn: (e: DeliveryEvent) => { error?: string; result?: unknown }) {
  const invocations: { name: string; event: DeliveryEvent }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const name = decodeURIComponent(req.url!.split("/")[3]!);
      const e = JSON.parse(Buffer.concat(chunks).toString()) as DeliveryEvent;
      invocations.push({ name, event: e });
      const out = fn(e);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-amz-executed-version": "$LATEST",
      };
      if (out.error) headers["x-amz-function-error"] = "Unhandled";
      res.writeHead(200, headers);
      res.end(JSON.stringify(out.error ? { errorType: "Error", errorMessage: out.error } : (out.result ?? null)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, invocations };
}

describe("woken delivery to a function", () => {
  it("delivers through the real SDK client, bisects to the failing record, dead-letters it, commits", async () => {
    const fake = await fakeLambda((e) => {
      const values = Object.values(e.records)
        .flat()
        .map((r) => Buffer.from(r.value!, "base64").toString());
      return values.includes("bad") ? { error: "cannot handle bad" } : {};
    });
    const client = new LambdaClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      maxAttempts: 1,
    });
    cleanups.push(async () => client.destroy());
    const dir = await mkdtemp(join(tmpdir(), "strata-subs-lambda-"));
    const strata = await createStrata({
      storage: { backend: "embedded", dataDir: dir, fsync: "never" },
      subscriptions: { lambda: (t) => lambdaTarget(client, t), delivery: { retryBaseMs: 5, retryMaxMs: 10 } },
    });
    cleanups.push(async () => {
      await strata.close();
      await rm(dir, { recursive: true, force: true });
    });
    const orders = await strata.log.createTopic("orders", 1);
    await strata.log.createTopic("orders-dlt", 1);
    await strata.subscriptions.service.put("to-fn", {
      topics: ["orders"],
      group: "to-fn",
      target: { type: "lambda", functionArn: ARN },
      bisectOnError: true,
      maxRetries: 0,
      deadLetterTopic: "orders-dlt",
    });
    const values = ["a", "b", "bad", "c"];
    await strata.log.produce(
      "orders",
      values.map((v) => ({ key: null, value: new TextEncoder().encode(v) })),
    );
    const report = await strata.subscriptions.wake.heads([{ topicId: orders.id, partition: 0 }]);
    expect(report).toMatchObject({ partitions: 1, delivered: 3, deadLettered: 1, unfinished: 0 });
    expect(fake.invocations.every((i) => i.name === ARN)).toBe(true);
    const dlt = await strata.log.fetch("orders-dlt", 0, { offset: 0 });
    expect(dlt.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(["bad"]);
    expect((await strata.groups.fetchOffsets("to-fn")).offsets[0]).toMatchObject({ offset: 4, lag: 0 });
    // A wake-up for a partition nobody subscribes to, or with nothing new, delivers nothing.
    expect(await strata.subscriptions.wake.heads([{ topicId: "other", partition: 0 }])).toMatchObject({
      partitions: 0,
    });
    expect(await strata.subscriptions.wake.sweep()).toMatchObject({ partitions: 0 });
  });
});
