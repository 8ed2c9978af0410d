/**
 * A full disk over HTTP: the embedded backend (SQLite ledger, pack store) with ENOSPC injected at the pack
 * store's file-system port (its sync calls), served on a free loopback port. Every produce is refused with 507
 * naming the cause, the pack directory does not grow with the failures, and produce works again once space is
 * freed.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type GroupService, type RecordsAdmin } from "../../lib/api/app.js";
import { createLog } from "../../lib/log/log.js";
import { PackObjectStore } from "../../lib/storage/pack-object-store.js";
import { SqliteLedger } from "../../lib/storage/sqlite-ledger.js";
import { fillableDisk } from "../support/full-disk.js";
import { type Client, client } from "./http-support.js";

let dir: string;
let store: PackObjectStore;
let ledger: SqliteLedger;
let server: ReturnType<typeof serve>;
let api: Client;

const disk = fillableDisk();
/** groups and deleteRecords are not what this file is about */
const unused = <T extends object>() => new Proxy({} as T, { get: () => async () => expect.fail("not used here") });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-disk-full-"));
  ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
  store = await PackObjectStore.open({ root: join(dir, "packs"), sync: disk.sync });
  const app = createApp({
    log: createLog({ ledger, store }),
    groups: unused<GroupService>(),
    records: unused<RecordsAdmin>(),
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  api = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

const packs = async () => (await readdir(join(dir, "packs"))).filter((n) => n.endsWith(".pack"));

it("answers 507 naming a full disk, not 503, without a pack file per failed produce, and recovers once space is freed", async () => {
  expect((await api.post("/v1/topics", { name: "orders" })).status).toBe(201);
  expect((await api.post("/v1/topics/orders/records", { records: [{ value: "before" }] })).status).toBe(200);
  disk.full = true;
  for (let i = 0; i < 30; i++) {
    const answer = await api.post("/v1/topics/orders/records", { records: [{ value: `full ${i}` }] });
    expect(answer.status).toBe(507);
    expect(answer.body).toMatchObject({ type: "urn:strata:problem:insufficient-storage", status: 507 });
    expect(answer.body.detail).toMatch(/out of storage space/);
    expect(answer.headers.get("retry-after")).toBeNull();
  }
  expect((await packs()).length).toBeLessThanOrEqual(2);
  disk.full = false;
  expect((await api.post("/v1/topics/orders/records", { records: [{ value: "after" }] })).status).toBe(200);
  const fetched = await api.get("/v1/topics/orders/partitions/0/records?offset=0");
  expect(fetched.body.records.map((r: { value: string }) => r.value)).toEqual(["before", "after"]);
});
