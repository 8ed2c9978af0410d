/**
 * Delivery's own guarantees, on the real log and group coordinator over the embedded storage: a deliverer that
 * lost its partition lease cannot move the offset; only one deliverer runs a partition at a time; an idle
 * subscription costs no ledger request and a produce wakes it at once (the in-process wake-up, no polling).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../lib/storage/clock.js";
import { openEmbeddedStorage } from "../../../lib/storage/data-dir.js";
import { ConditionFailedError } from "../../../lib/storage/ledger.js";
import { createStrata, type Strata } from "../../../lib/strata.js";
import { PartitionLease } from "../../../lib/subscriptions/lease.js";
import { LocalDelivery } from "../../../lib/subscriptions/local.js";
import type { DeliveryTarget } from "../../../lib/subscriptions/target.js";
import type { DeliveryEvent } from "../../../lib/subscriptions/types.js";
import { type Instrumented, instrument } from "../../support/instrument.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function strataWith(clock?: ManualClock): Promise<{ strata: Strata; ledger: Instrumented<object> }> {
  const dir = await mkdtemp(join(tmpdir(), "strata-subs-"));
  const storage = await openEmbeddedStorage(dir, { fsync: "never" });
  const ledger = instrument(storage.ledger);
  const strata = await createStrata({
    storage: { backend: "opened", storage: { store: storage.store, ledger } },
    ...(clock ? { clock } : {}),
    subscriptions: { allowPrivateTargets: true },
  });
  cleanups.push(async () => {
    await strata.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { strata, ledger };
}

function recorder(): DeliveryTarget & { events: DeliveryEvent[] } {
  const events: DeliveryEvent[] = [];
  return {
    events,
    deliver: async (event) => {
      events.push(event);
      return { ok: true };
    },
  };
}

const webhook = { type: "webhook" as const, url: "http://127.0.0.1:9/unused" };

describe("the partition lease", () => {
  it("keeps a deliverer that lost it from committing", async () => {
    const clock = new ManualClock();
    const { strata } = await strataWith(clock);
    await strata.log.createTopic("t", 1);
    await strata.log.produce("t", [{ key: null, value: new Uint8Array([1]) }]);
    const a = new PartitionLease(strata.storage.ledger, clock, "s", "t", 0, 1_000);
    const b = new PartitionLease(strata.storage.ledger, clock, "s", "t", 0, 1_000);
    expect((await a.take()).ok).toBe(true);
    expect((await b.take()).ok).toBe(false);
    clock.advance(1_001); // a stalled past its lease
    expect((await b.take()).ok).toBe(true);
    const late = strata.groups.commitOffsets("g", { offsets: [{ topic: "t", partition: 0, offset: 1 }] }, [
      a.commitCheck(),
    ]);
    await expect(late).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await strata.groups.fetchOffsets("g")).offsets).toEqual([]);
    await strata.groups.commitOffsets("g", { offsets: [{ topic: "t", partition: 0, offset: 1 }] }, [b.commitCheck()]);
    expect((await strata.groups.fetchOffsets("g")).offsets[0]!.offset).toBe(1);
  });

  it("lets one deliverer run a partition at a time; the other leaves it and nothing is delivered twice", async () => {
    const { strata } = await strataWith();
    await strata.log.createTopic("t", 1);
    await strata.subscriptions.service.put("s", { topics: ["t"], group: "g", target: webhook, batchSize: 1 });
    await strata.log.produce(
      "t",
      [1, 2, 3].map((v) => ({ key: null, value: new Uint8Array([v]) })),
    );
    const target = recorder();
    const slow: DeliveryTarget = {
      deliver: async (e) => {
        await new Promise((r) => setTimeout(r, 20));
        return target.deliver(e);
      },
    };
    const deps = { ...strata.subscriptions.deliveryDeps, targets: () => slow };
    const { deliverPartition } = await import("../../../lib/subscriptions/deliver.js");
    const s = await strata.subscriptions.service.get("s");
    const runs = await Promise.all([deliverPartition(deps, s, "t", 0), deliverPartition(deps, s, "t", 0)]);
    expect(runs.map((r) => r.outcome).sort()).toEqual(["busy", "caught-up"]);
    expect(
      target.events.flatMap((e) =>
        Object.values(e.records)
          .flat()
          .map((r) => r.offset),
      ),
    ).toEqual([0, 1, 2]);
  });
});

describe("local delivery", () => {
  it("reads nothing while idle and is woken at once by a produce", async () => {
    const { strata, ledger } = await strataWith();
    await strata.log.createTopic("quiet", 2);
    await strata.subscriptions.service.put("s", { topics: ["quiet"], group: "g", target: webhook });
    const target = recorder();
    const delivery = new LocalDelivery({
      ...strata.subscriptions.deliveryDeps,
      targets: () => target,
      subscriptions: strata.subscriptions.service,
      log: strata.log,
      waiter: strata.log.waiter,
      sweepMs: 60_000,
    });
    cleanups.push(() => delivery.stop());
    delivery.start();
    // started and caught up: no ledger call for half a second (the machine may be slow to get there)
    for (let seen = -1; seen !== ledger.calls.length; ) {
      seen = ledger.calls.length;
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = ledger.calls.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ledger.calls.length - before).toBe(0);

    const sent = Date.now();
    await strata.log.produce("quiet", [{ key: null, value: new Uint8Array([7]), partition: 1 }]);
    await expect.poll(() => target.events.length, { timeout: 5_000, interval: 5 }).toBe(1);
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(Object.keys(target.events[0]!.records)).toEqual(["quiet-1"]);
  });
});
