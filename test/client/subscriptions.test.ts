/**
 * The SDK's subscriptions (put, list, describe, delete), its webhook signature check as a receiver uses it, and
 * `strata subscriptions ...` driven in-process, against a real local server delivering to a real receiver.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../client/src/cli.js";
import { Strata, Subscriptions, verifyWebhookSignature } from "../../client/src/index.js";
import { startTestServer, type TestServer } from "../scenarios/http-support.js";
import { type Receiver, startReceiver } from "../support/webhook-receiver.js";

let server: TestServer;
let hook: Receiver;
let strata: Strata;

beforeAll(async () => {
  server = await startTestServer({
    fsync: "never",
    maintenanceIntervalMs: 0,
    subscriptions: { allowPrivateTargets: true },
  });
  hook = await startReceiver();
  strata = new Strata({ url: server.url });
});
afterAll(async () => {
  await hook?.close();
  await server?.dispose();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "strata", "--url", server.url, ...args], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    stdin: new PassThrough(),
    env: {},
    stderrIsTTY: false,
  });
  return { code, out, err };
}

describe("the SDK", () => {
  it("declares a subscription, gets its secret once, and the receiver verifies what it is sent", async () => {
    await strata.admin().createTopic("sdk-orders");
    const subs = new Subscriptions(strata.http);
    const s = await subs.put("sdk-hook", {
      topics: ["sdk-orders"],
      group: "sdk-hook",
      target: { type: "webhook", url: hook.url },
    });
    const secret = s.target.type === "webhook" ? s.target.secret! : "";
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await strata.producer().send("sdk-orders", [{ value: "hello" }]);
    await hook.until(() => hook.values().includes("hello"));
    const r = hook.received.find((x) => x.values.includes("hello"))!;
    const header = r.headers["strata-signature"] as string;
    expect(await verifyWebhookSignature(secret, header, r.body)).toBe(true);
    expect(await verifyWebhookSignature("another-secret-entirely", header, r.body)).toBe(false);
    expect(await verifyWebhookSignature(secret, header, r.body, { nowMs: Date.now() + 600_000 })).toBe(false);

    expect((await subs.list()).map((x) => x.name)).toContain("sdk-hook");
    const d = await subs.describe("sdk-hook");
    expect(d.subscription.target).not.toHaveProperty("secret");
    await expect.poll(async () => (await subs.describe("sdk-hook")).offsets[0]?.lag).toBe(0);
    await subs.delete("sdk-hook");
    await expect(subs.describe("sdk-hook")).rejects.toMatchObject({ status: 404 });
  });
});

describe("strata subscriptions", () => {
  it("put | list | describe | delete, and bad usage exits 2 with one line", async () => {
    await strata.admin().createTopic("cli-orders", { partitions: 2 });
    const put = await cli(
      "subscriptions",
      "put",
      "cli-hook",
      "--topic",
      "cli-orders",
      "--webhook",
      hook.url,
      "--batch-size",
      "5",
    );
    expect(put.code, put.err).toBe(0);
    expect(put.out).toMatch(/subscription cli-hook: cli-orders -> http:\/\/127\.0\.0\.1:\d+\/hook \(group cli-hook\)/);
    expect(put.out).toMatch(/^secret: [0-9a-f]{64}$/m);
    expect((await cli("subscriptions", "list")).out).toMatch(/^cli-hook\tcli-orders\t/m);
    const described = await cli("subscriptions", "describe", "cli-hook");
    expect(described.out).toMatch(/TOPIC\tPARTITION\tOFFSET\tHIGH-WATERMARK\tLAG/);
    expect(described.out.trim().split("\n")).toHaveLength(4);
    expect((await cli("subscriptions", "delete", "cli-hook")).out).toBe("deleted subscription cli-hook\n");

    const noTarget = await cli("subscriptions", "put", "x", "--topic", "cli-orders");
    expect(noTarget.code).toBe(2);
    expect(noTarget.err.trim().split("\n")).toHaveLength(1);
    const bad = await cli("subscriptions", "put", "x", "--topic", "cli-orders", "--webhook", "ftp://nowhere");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/target\.url/);
  });
});
