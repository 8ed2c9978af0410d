/**
 * Per partition in order, at least once, across kill -9: the built server (what `npm start` runs) delivers to a
 * webhook in this test, is killed with SIGKILL midway, and a new server on the same data directory finishes the
 * job. Every record arrives; in each partition nothing arrives before everything ahead of it has (a repeat after
 * the restart starts again at the last committed offset and runs forward: no gap, no reordering).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/emulators.js";
import { type Receiver, startReceiver } from "../support/webhook-receiver.js";
import { client } from "./http-support.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const PARTITIONS = 2;
const PER_PARTITION = 150;
let dataDir: string;
let hook: Receiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "strata-subs-restart-"));
  hook = await startReceiver();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await hook?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      STRATA_DATA_DIR: dataDir,
      STRATA_FSYNC: "never",
      STRATA_SUBSCRIPTIONS_ALLOW_PRIVATE_TARGETS: "true",
      STRATA_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stderr!.on("data", (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

/** Each partition's values in arrival order: value `p<partition>-<n>`. */
function arrivals(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of hook.received) {
    for (const rec of r.records) {
      const n = Number(Buffer.from(rec.value!, "base64").toString().split("-")[1]);
      out.set(rec.partition, [...(out.get(rec.partition) ?? []), n]);
    }
  }
  return out;
}

it("delivers every record of every partition in order, at least once, across kill -9", async () => {
  hook.answer = () => ({ delayMs: 15 });
  const first = await start();
  const api = client(first.url);
  expect((await api.post("/v1/topics", { name: "ledger", partitions: PARTITIONS })).status).toBe(201);
  const put = await api.call("PUT", "/v1/subscriptions/ledger-hook", {
    topics: ["ledger"],
    group: "ledger-hook",
    target: { type: "webhook", url: hook.url },
    batchSize: 5,
  });
  expect(put.status).toBe(201);
  for (let p = 0; p < PARTITIONS; p++) {
    for (let i = 0; i < PER_PARTITION; i += 50) {
      const records = Array.from({ length: 50 }, (_, j) => ({ value: `p${p}-${i + j}`, partition: p }));
      expect((await api.post("/v1/topics/ledger/records", { records })).body.failed).toBe(0);
    }
  }
  await hook.until((rs) => rs.length >= 10);
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));
  const atKill = hook.values().length;
  expect(atKill).toBeLessThan(PARTITIONS * PER_PARTITION);

  const second = await start();
  await hook.until(() => {
    const a = arrivals();
    return [...Array(PARTITIONS).keys()].every((p) => new Set(a.get(p)).size === PER_PARTITION);
  }, 60_000);
  for (const [p, seen] of arrivals()) {
    let max = -1;
    for (const n of seen) {
      expect(n, `partition ${p}: ${n} arrived after ${max}`).toBeLessThanOrEqual(max + 1);
      max = Math.max(max, n);
    }
    expect(max).toBe(PER_PARTITION - 1);
  }
  const offsets = await client(second.url).get("/v1/groups/ledger-hook/offsets");
  await expect
    .poll(async () =>
      (await client(second.url).get("/v1/groups/ledger-hook/offsets")).body.offsets.map((o: { lag: number }) => o.lag),
    )
    .toEqual([0, 0]);
  expect(offsets.status).toBe(200);
  second.child.kill("SIGTERM");
  expect(await new Promise((r) => second.child.once("exit", (code) => r(code)))).toBe(0);
}, 180_000);
