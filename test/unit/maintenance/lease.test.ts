/**
 * The partition lease: short, so a dead runner (kill -9, a Lambda timeout) blocks its partition for at most
 * leaseMs; renewed by a live runner, so a long run keeps it and nobody else takes it meanwhile; never revived once
 * expired, and never held past maxLeaseHoldMs. Runs on the real SqliteLedger.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Context, type MaintenanceOptions, makeContext } from "../../../lib/maintenance/context.js";
import { Lease, LeaseLostError } from "../../../lib/maintenance/lease.js";
import { type Clock, ManualClock, systemClock } from "../../../lib/storage/clock.js";
import type { ObjectStore } from "../../../lib/storage/object-store.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";

let dir: string;
let ledger: SqliteLedger;
const held: Lease[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-lease-"));
  ledger = new SqliteLedger({ path: join(dir, "ledger.db") });
});
afterEach(async () => {
  for (const l of held.splice(0)) l.stop();
  await ledger.close?.();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function context(clock: Clock, options?: MaintenanceOptions): Context {
  return makeContext({ ledger, store: {} as ObjectStore, clock, unique: () => `token-${seq++}`, options });
}
async function acquire(ctx: Context): Promise<Lease | undefined> {
  const lease = await Lease.acquire(ctx, "topic-id", 0);
  if (lease) held.push(lease);
  return lease;
}

describe("maintenance lease", () => {
  it("a runner that dies holding the lease blocks the partition for at most the default 30 s", async () => {
    const clock = new ManualClock();
    const ctx = context(clock);
    const dead = await acquire(ctx);
    expect(dead).toBeDefined();
    dead!.stop(); // kill -9: no release, no more renewals
    clock.advance(29_999);
    expect(await acquire(ctx)).toBeUndefined();
    clock.advance(2);
    expect(await acquire(ctx)).toBeDefined();
  });

  it("a live runner keeps its lease across several lease lengths; nobody else takes it meanwhile", async () => {
    const leaseMs = 1_000;
    const ctx = context(systemClock, { leaseMs });
    const runner = await acquire(ctx);
    expect(runner).toBeDefined();
    const until = Date.now() + 3.5 * leaseMs; // a long step (an object PUT, a compaction) with no write of its own
    let attempts = 0;
    while (Date.now() < until) {
      expect(await acquire(ctx)).toBeUndefined();
      attempts++;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(attempts).toBeGreaterThan(10);
    expect(
      await runner!.transact([{ type: "put", key: { pk: "work", sk: "done" }, attrs: { by: runner!.token } }]),
    ).toBe(true);
    await runner!.release();
    expect(await acquire(ctx)).toBeDefined();
  });

  it("renews in fenced writes on the injected clock, and never revives an expired lease", async () => {
    const clock = new ManualClock();
    const ctx = context(clock, { leaseMs: 1_000 });
    const runner = (await acquire(ctx))!;
    runner.stop(); // only the clock moves here: no timer renewals
    for (let i = 0; i < 5; i++) {
      clock.advance(600);
      expect(await runner.transact([])).toBe(true); // renews (600 ms is past a third of the lease)
      expect(await acquire(ctx)).toBeUndefined();
    }
    clock.advance(1_001); // frozen past its lease
    await expect(runner.renew()).rejects.toBeInstanceOf(LeaseLostError);
    // lost: the next step throws before writing anything, even though nobody took the lease yet
    const write = { type: "put" as const, key: { pk: "work", sk: "late" }, attrs: {} };
    await expect(runner.transact([write])).rejects.toBeInstanceOf(LeaseLostError);
    expect(await ledger.get(write.key)).toBeUndefined();
    expect(await acquire(ctx)).toBeDefined();
  });

  it("is never held past maxLeaseHoldMs, renewals included", async () => {
    const clock = new ManualClock();
    const ctx = context(clock, { leaseMs: 1_000, maxLeaseHoldMs: 2_500 });
    const runner = (await acquire(ctx))!;
    runner.stop();
    clock.advance(800);
    await runner.renew();
    clock.advance(800);
    await runner.renew(); // expires at 2_500 (the cap), not 2_600
    clock.advance(800);
    await runner.renew();
    clock.advance(101);
    expect(await acquire(ctx)).toBeDefined();
    await expect(runner.transact([])).rejects.toBeInstanceOf(LeaseLostError);
  });
});
