/**
 * Model-based tests of the group protocol: fast-check drives clients through joins, heartbeats, leaves,
 * crashes (silence), commits, partition increases, clock steps and ledger faults. Clients follow the
 * documented client rules: own exactly what the last answer listed, drop everything on a fenced/unknown
 * answer, and drop everything once ownershipWindowMs has passed since the last successful request was sent.
 *
 * Safety, checked after every command: no partition is believed by two clients whose ownership window is
 * open, and what a client believes is what the server records for it (assigned or still revoking).
 * Liveness, checked after each run: once every surviving client keeps heartbeating, every partition is
 * owned by exactly one live client and counts are balanced among clients with the same subscription.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isStrataError } from "../../../lib/errors.js";
import { GroupCoordinator, ownershipWindowMs } from "../../../lib/groups/coordinator.js";
import { ManualClock } from "../../../lib/storage/clock.js";
import type { Ledger } from "../../../lib/storage/ledger.js";
import { InjectedFault, instrument } from "../../support/instrument.js";
import { FakeCatalog } from "./catalog.js";
import { ledgerFactories } from "./ledgers.js";

const SESSION = 30_000;
const WINDOW = ownershipWindowMs(SESSION);
const GROUP = "g";
const SLOTS = 4;
const subscription = (slot: number) => (slot % 3 === 2 ? ["a", "b"] : ["a"]);
type Fault = "before" | "after" | undefined;

interface Client {
  slot: number;
  generation: number;
  memberId?: string;
  /** the id a join was sent with; reused when that join's answer was lost */
  pendingId?: string;
  epoch: number;
  believed: Set<string>;
  lastSent: number;
  crashed: boolean;
}

interface Model {
  clients: Client[];
  /** crashed clients whose window may still be open */
  ghosts: Client[];
  commits: Map<string, number>;
  counter: number;
}

interface Real {
  coord: GroupCoordinator;
  clock: ManualClock;
  catalog: FakeCatalog;
  arm(fault: Fault): void;
}

const key = (t: { topic: string; partition: number }) => `${t.topic}/${t.partition}`;
const windowOpen = (c: Client, now: number) => now < c.lastSent + WINDOW;

function expectRejoin(e: unknown): void {
  if (!isStrataError(e) || !["UNKNOWN_MEMBER", "FENCED_MEMBER"].includes(e.code)) throw e;
  expect(e.details.action).toBe("rejoin");
}

/** Runs a request; an injected fault may be retried once with the same request. */
async function attempt<T>(r: Real, fault: Fault, retry: boolean, call: () => Promise<T>): Promise<T | undefined> {
  r.arm(fault);
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof InjectedFault)) throw e;
    if (!retry) return undefined;
    return call();
  } finally {
    r.arm(undefined);
  }
}

async function checkSafety(m: Model, r: Real): Promise<void> {
  const now = r.clock.now();
  const holders = new Map<string, string>();
  for (const c of [...m.clients, ...m.ghosts]) {
    if (!windowOpen(c, now)) continue;
    for (const p of c.believed) {
      const other = holders.get(p);
      expect(other, `${p} believed by ${other} and ${c.memberId}`).toBeUndefined();
      holders.set(p, c.memberId ?? "?");
    }
  }
  const d = await r.coord.describeGroup(GROUP).catch(() => undefined);
  for (const c of [...m.clients, ...m.ghosts]) {
    if (!windowOpen(c, now) || c.believed.size === 0) continue;
    const member = d?.members.find((x) => x.memberId === c.memberId);
    expect(member, `${c.memberId} believes partitions but is not live on the server`).toBeDefined();
    const held = new Set([...member!.assignments, ...member!.revoking].map(key));
    for (const p of c.believed) expect(held.has(p), `${c.memberId} believes ${p}`).toBe(true);
  }
}

function freshClient(slot: number, generation: number): Client {
  return { slot, generation, epoch: 0, believed: new Set(), lastSent: Number.NEGATIVE_INFINITY, crashed: false };
}

/** Client rule: once the window has closed, drop everything before doing anything else. */
function expireLocally(c: Client, now: number): void {
  if (!windowOpen(c, now)) c.believed = new Set();
}

class Join implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly slot: number,
    readonly fault: Fault,
    readonly retry: boolean,
  ) {}
  check(m: Model) {
    const c = m.clients[this.slot]!;
    return c.crashed || c.memberId === undefined;
  }
  async run(m: Model, r: Real) {
    let c = m.clients[this.slot]!;
    if (c.crashed) {
      m.ghosts.push(c);
      c = freshClient(this.slot, c.generation + 1);
      m.clients[this.slot] = c;
    }
    const memberId = c.pendingId ?? `c${this.slot}-${c.generation}`;
    c.pendingId = memberId;
    const sent = r.clock.now();
    const res = await attempt(r, this.fault, this.retry, () =>
      r.coord.join(GROUP, { topics: subscription(this.slot), sessionTimeoutMs: SESSION, memberId }),
    );
    if (res) {
      Object.assign(c, { memberId: res.memberId, epoch: res.memberEpoch, lastSent: sent, pendingId: undefined });
      c.believed = new Set(res.assignments.map(key));
    }
    await checkSafety(m, r);
  }
  toString() {
    return `join(${this.slot}${this.fault ? `, ${this.fault}${this.retry ? "+retry" : ""}` : ""})`;
  }
}

class Heartbeat implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly slot: number,
    readonly fault: Fault,
    readonly retry: boolean,
  ) {}
  check(m: Model) {
    const c = m.clients[this.slot]!;
    return !c.crashed && c.memberId !== undefined;
  }
  async run(m: Model, r: Real) {
    await heartbeat(m.clients[this.slot]!, r, this.fault, this.retry);
    await checkSafety(m, r);
  }
  toString() {
    return `heartbeat(${this.slot}${this.fault ? `, ${this.fault}${this.retry ? "+retry" : ""}` : ""})`;
  }
}

async function heartbeat(c: Client, r: Real, fault: Fault, retry: boolean): Promise<void> {
  const sent = r.clock.now();
  expireLocally(c, sent);
  const owned = [...c.believed].map((k) => ({ topic: k.split("/")[0]!, partition: Number(k.split("/")[1]) }));
  try {
    const res = await attempt(r, fault, retry, () =>
      r.coord.heartbeat(GROUP, c.memberId!, { memberEpoch: c.epoch, owned }),
    );
    if (res) {
      c.epoch = res.memberEpoch;
      c.believed = new Set(res.assignments.map(key));
      c.lastSent = sent;
    }
  } catch (e) {
    expectRejoin(e);
    c.believed = new Set();
    c.memberId = undefined;
    c.generation++;
  }
}

class Leave implements fc.AsyncCommand<Model, Real> {
  constructor(readonly slot: number) {}
  check(m: Model) {
    const c = m.clients[this.slot]!;
    return !c.crashed && c.memberId !== undefined;
  }
  async run(m: Model, r: Real) {
    const c = m.clients[this.slot]!;
    c.believed = new Set();
    await r.coord.leave(GROUP, c.memberId!);
    c.memberId = undefined;
    c.generation++;
    await checkSafety(m, r);
  }
  toString() {
    return `leave(${this.slot})`;
  }
}

/** The process stops (SIGKILL, a long pause): it keeps its beliefs until its window closes. */
class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly slot: number) {}
  check(m: Model) {
    const c = m.clients[this.slot]!;
    return !c.crashed && c.memberId !== undefined;
  }
  async run(m: Model, r: Real) {
    m.clients[this.slot]!.crashed = true;
    await checkSafety(m, r);
  }
  toString() {
    return `crash(${this.slot})`;
  }
}

class Commit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly slot: number,
    readonly fault: Fault,
  ) {}
  check(m: Model) {
    const c = m.clients[this.slot]!;
    return !c.crashed && c.memberId !== undefined && c.believed.size > 0;
  }
  async run(m: Model, r: Real) {
    const c = m.clients[this.slot]!;
    expireLocally(c, r.clock.now());
    if (c.believed.size === 0) return;
    const offsets = [...c.believed].map((k) => ({
      topic: k.split("/")[0]!,
      partition: Number(k.split("/")[1]),
      offset: 0,
      metadata: `n${++m.counter}`,
    }));
    // A client inside its window always may commit what it owns; a retried commit is idempotent.
    await attempt(r, this.fault, true, () =>
      r.coord.commitOffsets(GROUP, { memberId: c.memberId!, memberEpoch: c.epoch, offsets }),
    );
    for (const o of offsets) m.commits.set(key(o), Number(o.metadata.slice(1)));
    const stored = (await r.coord.fetchOffsets(GROUP)).offsets.filter((o) => o.offset !== null);
    expect(new Map(stored.map((o) => [key(o), Number(o.metadata!.slice(1))]))).toEqual(m.commits);
    await checkSafety(m, r);
  }
  toString() {
    return `commit(${this.slot}${this.fault ? `, ${this.fault}` : ""})`;
  }
}

class Grow implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topic: string) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    if (r.catalog.partitionCount(this.topic) < 7) r.catalog.grow(this.topic, r.catalog.partitionCount(this.topic) + 1);
    await checkSafety(m, r);
  }
  toString() {
    return `grow(${this.topic})`;
  }
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    r.clock.advance(this.ms);
    await checkSafety(m, r);
  }
  toString() {
    return `advance(${this.ms})`;
  }
}

const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const fault = fc.constantFrom<Fault>(undefined, undefined, undefined, "before", "after");
const commands = [
  fc.tuple(slot, fault, fc.boolean()).map(([s, f, retry]) => new Join(s, f, retry)),
  fc.tuple(slot, fault, fc.boolean()).map(([s, f, retry]) => new Heartbeat(s, f, retry)),
  fc.tuple(slot, fault, fc.boolean()).map(([s, f, retry]) => new Heartbeat(s, f, retry)),
  slot.map((s) => new Leave(s)),
  slot.map((s) => new Crash(s)),
  fc.tuple(slot, fault).map(([s, f]) => new Commit(s, f)),
  fc.constantFrom("a", "b").map((t) => new Grow(t)),
  fc.constantFrom(500, 2_000, 5_000, 7_000, 9_000, 12_000, 21_000, 31_000).map((ms) => new Advance(ms)),
];

/** Every surviving client heartbeats (rejoining when told to) every 3 s until things settle. */
async function settle(m: Model, r: Real): Promise<void> {
  for (let round = 0; round < 30; round++) {
    for (const c of m.clients) {
      if (c.crashed) continue;
      if (c.memberId === undefined) {
        const memberId = c.pendingId ?? `c${c.slot}-${c.generation}`;
        const res = await r.coord.join(GROUP, { topics: subscription(c.slot), sessionTimeoutMs: SESSION, memberId });
        Object.assign(c, { memberId, epoch: res.memberEpoch, lastSent: r.clock.now(), pendingId: undefined });
        c.believed = new Set(res.assignments.map(key));
      } else {
        await heartbeat(c, r, undefined, false);
      }
      await checkSafety(m, r);
    }
    r.clock.advance(3_000);
  }
}

function checkSettled(m: Model, r: Real): void {
  const live = m.clients.filter((c) => !c.crashed);
  if (live.length === 0) return;
  const owner = new Map<string, Client>();
  for (const c of live) for (const p of c.believed) owner.set(p, c);
  for (const topic of ["a", "b"]) {
    const subscribed = live.some((c) => subscription(c.slot).includes(topic));
    for (let p = 0; p < r.catalog.partitionCount(topic); p++) {
      expect(owner.has(`${topic}/${p}`), `${topic}/${p} owned`).toBe(subscribed);
    }
  }
  for (const sub of ["a", "a,b"]) {
    const counts = live.filter((c) => subscription(c.slot).join() === sub).map((c) => c.believed.size);
    if (counts.length > 0) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  }
}

describe.each(ledgerFactories)("group protocol model ($name ledger)", (factory) => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("is safe in every reachable state and settles balanced once members keep heartbeating", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const opened = await factory.open();
        closers.push(opened.close);
        let armed: Fault;
        const ledger: Ledger = instrument(opened.ledger, {
          fault: (call) => {
            if (call.method !== "write" && call.method !== "transact") return undefined;
            const f = armed;
            armed = undefined;
            return f;
          },
        });
        const clock = new ManualClock();
        const catalog = new FakeCatalog();
        catalog.create("a", 3);
        catalog.create("b", 2);
        let seed = 1;
        const random = () => {
          seed = (seed * 48271) % 2147483647;
          return seed / 2147483647;
        };
        const real: Real = {
          coord: new GroupCoordinator({ ledger, topics: catalog, clock, random }),
          clock,
          catalog,
          arm: (f) => {
            armed = f;
          },
        };
        const model: Model = {
          clients: Array.from({ length: SLOTS }, (_, s) => freshClient(s, 0)),
          ghosts: [],
          commits: new Map(),
          counter: 0,
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await settle(model, real);
        checkSettled(model, real);
        await opened.close();
      }),
      { numRuns: factory.name === "sqlite in memory" ? 100 : 30 },
    );
    // about 30 s alone; a shared 2-core machine can take twice that
  }, 180_000);
});
