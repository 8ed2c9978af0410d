/**
 * What `npm start` runs (node scripts/start.mjs: the built server), as a real child process on a free port: it prints its URL
 * and a first curl command, stops cleanly on SIGTERM and SIGINT, and keeps every acknowledged record across
 * restarts, including after kill -9.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { client } from "./http-support.js";

const ROOT = new URL("../..", import.meta.url).pathname;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "strata-restart-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Start what `npm start` runs and wait until it has printed its URL and its hints. */
async function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  // node itself rather than npm: one process, so kill -9 hits the server itself, not a wrapper.
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    // STRATA_KAFKA_PORT 0: the Kafka listener on a free port too, not 9092 (another run may hold it)
    env: { ...process.env, PORT: String(port), STRATA_KAFKA_PORT: "0", STRATA_DATA_DIR: dataDir, HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    child.stdout!.on("data", () => {
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m && out.includes("openapi.json")) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return { child, url, output: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve({ code: child.exitCode, signal: child.signalCode })
      : child.once("exit", (code, signal) => resolve({ code, signal })),
  );

it("keeps every acknowledged record across SIGTERM, SIGINT and kill -9 restarts", async () => {
  const first = await start();
  expect(first.output()).toContain(`curl -sS -X POST ${first.url}/v1/topics`);
  let api = client(first.url);
  expect((await api.post("/v1/topics", { name: "durable", partitions: 2 })).status).toBe(201);
  expect((await api.post("/v1/topics/durable/records", { records: [{ key: "a", value: "one" }] })).body.failed).toBe(0);
  first.child.kill("SIGTERM");
  expect(await exited(first.child)).toEqual({ code: 0, signal: null });

  const second = await start();
  api = client(second.url);
  expect((await api.post("/v1/topics/durable/records", { records: [{ key: "a", value: "two" }] })).body.failed).toBe(0);
  second.child.kill("SIGINT");
  expect(await exited(second.child)).toEqual({ code: 0, signal: null });

  const third = await start();
  api = client(third.url);
  const acked = await api.post("/v1/topics/durable/records", { records: [{ key: "a", value: "three" }] });
  expect(acked.body.failed).toBe(0);
  third.child.kill("SIGKILL");
  await exited(third.child);

  const fourth = await start();
  api = client(fourth.url);
  const partition = acked.body.offsets[0].partition;
  const res = await api.get(`/v1/topics/durable/partitions/${partition}/records?offset=0`);
  expect(res.body.records.map((r: { value: string }) => r.value)).toEqual(["one", "two", "three"]);
  expect((await api.get("/v1/topics/durable")).body.partitions).toHaveLength(2);
  fourth.child.kill("SIGTERM");
  expect((await exited(fourth.child)).code).toBe(0);
});
