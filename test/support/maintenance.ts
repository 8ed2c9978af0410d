/**
 * The setup every maintenance scenario shares: one backend opened for the suite, and the service built on it by
 * the composition root with one ManualClock, so a test moves time for the log and maintenance at once; further
 * maintenances over the same storage and clock (other options, a port wrapped or counted or crashing); runs of
 * maintenance between clock steps. Each
 * scenario keeps its own options and start.
 */
import { afterAll, beforeAll } from "vitest";
import type { Log } from "../../lib/log/log.js";
import {
  createMaintenance,
  type Maintenance,
  type MaintenanceJob,
  type MaintenanceOptions,
} from "../../lib/maintenance/maintain.js";
import { ManualClock } from "../../lib/storage/clock.js";
import type { Ledger } from "../../lib/storage/ledger.js";
import type { ObjectStore } from "../../lib/storage/object-store.js";
import { createStrata } from "../../lib/strata.js";
import type { Backend, TestStorage } from "./backends.js";
import { instrument, type PortCall } from "./instrument.js";

const enc = new TextEncoder();
export const b = (s: string) => enc.encode(s);

let n = 0;
/** A topic name no other test (or earlier run against the same emulators) has used. */
export const topicName = (what: string) => `${what}-${Date.now().toString(36)}-${n++}`;

/** The default settleMs (commit deadline 120 s + 30 s): past it an entry may be changed. Kept literal on purpose. */
export const SETTLE = 150_000;
/** The default graceMs: how long trash waits before it is deleted. */
export const GRACE = 300_000;

export interface MaintenanceWorld {
  storage: TestStorage;
  clock: ManualClock;
  log: Log;
  maintenance: Maintenance;
}

/**
 * Opens `backend` before the suite's tests (clock at `start`) and cleans it up after them. `onOpen` hands the
 * world to the suite, which keeps it in its own variables so the tests read as plain `log.produce(...)`.
 */
export function useMaintenanceWorld(
  backend: Backend,
  start: number,
  options: MaintenanceOptions,
  onOpen: (world: MaintenanceWorld) => void,
): void {
  let storage: TestStorage | undefined;
  beforeAll(async () => {
    storage = await backend.open();
    const clock = new ManualClock(start);
    const { log, maintenance } = await createStrata({
      storage: { backend: "opened", storage },
      clock,
      maintenance: options,
    });
    onOpen({ storage, clock, log, maintenance });
  });
  afterAll(async () => {
    await storage?.cleanup();
  });
}

type Ports = Pick<MaintenanceWorld, "storage" | "clock">;

/**
 * Another maintenance over the world's storage and clock, with its own `options` and, when given, a `ledger` or
 * `store` standing in for the world's (a wrapper that stalls, counts or fails calls).
 */
export function maintenanceWith(
  { storage, clock }: Ports,
  options: MaintenanceOptions,
  ports: { ledger?: Ledger; store?: ObjectStore } = {},
): Maintenance {
  return createMaintenance({
    ledger: ports.ledger ?? storage.ledger,
    store: ports.store ?? storage.store,
    clock,
    options,
  });
}

/** For each of `steps`: moves the clock on by it, then runs `maintain()` once. */
export async function maintainAfter(
  { clock, maintenance }: Pick<MaintenanceWorld, "clock" | "maintenance">,
  steps: number[],
): Promise<void> {
  for (const step of steps) {
    clock.advance(step);
    await maintenance.maintain();
  }
}

/** Runs `job` once on a maintenance that counts its storage calls: how many places a crash can hit. */
export async function countStorageCalls(
  world: Ports,
  options: MaintenanceOptions,
  job: MaintenanceJob,
): Promise<number> {
  let calls = 0;
  const counting = maintenanceWith(world, options, {
    ledger: instrument(world.storage.ledger, { onCall: () => calls++ }),
    store: instrument(world.storage.store, { onCall: () => calls++ }),
  });
  await counting.run(job);
  return calls;
}

/** A maintenance that crashes `when` its `target`-th storage call (counted from 0, ledger and store together). */
export function crashingMaintenance(
  world: Ports,
  options: MaintenanceOptions,
  target: number,
  when: "before" | "after",
): Maintenance {
  let seq = 0;
  const fault = (_c: PortCall) => (seq++ === target ? when : undefined);
  return maintenanceWith(world, options, {
    ledger: instrument(world.storage.ledger, { fault }),
    store: instrument(world.storage.store, { fault }),
  });
}
