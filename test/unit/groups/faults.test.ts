/**
 * Faults before and after each ledger write of join, heartbeat and commit. "before": the write never
 * arrived; "after": it was applied and the caller saw an error (the dangerous case). In both, the client's
 * retry of the same request must leave a correct state: one member per join, no partition with two
 * holders, every acknowledged commit present, no commit that was never acknowledged nor retried.
 */
import { describe, expect, it } from "vitest";
import { GroupCoordinator } from "../../../lib/groups/coordinator.js";
import type { TopicPartition } from "../../../lib/groups/types.js";
import { ManualClock } from "../../../lib/storage/clock.js";
import { InjectedFault, instrument } from "../../support/instrument.js";
import { FakeCatalog } from "./catalog.js";
import { ledgerFactories } from "./ledgers.js";

const key = (t: TopicPartition) => `${t.topic}/${t.partition}`;
const isWrite = (method: string) => method === "write" || method === "transact";

async function setup(factory: (typeof ledgerFactories)[number]) {
  const opened = await factory.open();
  let armed: "before" | "after" | undefined;
  const ledger = instrument(opened.ledger, {
    fault: (call) => {
      if (!isWrite(call.method) || !armed) return undefined;
      const f = armed;
      armed = undefined;
      return f;
    },
  });
  const clock = new ManualClock();
  const catalog = new FakeCatalog();
  catalog.create("t", 4);
  catalog.append("t", 0, [1, 2, 3]);
  catalog.append("t", 1, [1, 2, 3]);
  const groups = new GroupCoordinator({ ledger, topics: catalog, clock });
  /** runs `call` with a fault on its first write; returns whether the first attempt failed */
  const faulted = async <T>(when: "before" | "after", call: () => Promise<T>): Promise<T> => {
    armed = when;
    await expect(call()).rejects.toBeInstanceOf(InjectedFault);
    expect(armed).toBeUndefined(); // the fault did fire on a write
    return call();
  };
  return { groups, clock, faulted, close: opened.close, ledger };
}

/** Nothing is held by two members, counting what each is still releasing. */
async function exclusive(groups: GroupCoordinator): Promise<void> {
  const d = await groups.describeGroup("g");
  const held = d.members.flatMap((m) => [...m.assignments, ...m.revoking].map(key));
  expect(new Set(held).size).toBe(held.length);
}

describe.each(ledgerFactories)("faults on group writes ($name ledger)", (factory) => {
  describe.each(["before", "after"] as const)("fault %s the write", (when) => {
    it("join: the retry finds or creates exactly one member", async () => {
      const { groups, faulted, close } = await setup(factory);
      const a = await faulted(when, () => groups.join("g", { topics: ["t"], memberId: "a", joinId: "a-1" }));
      expect(a.assignments.length).toBe(4);
      const d = await groups.describeGroup("g");
      expect(d.members.map((m) => m.memberId)).toEqual(["a"]);
      expect(await groups.listGroups()).toEqual(["g"]);
      await close();
    });

    it("heartbeat: a lost revocation is replayed, and the partition moves only once released", async () => {
      const { groups, faulted, close } = await setup(factory);
      const a = await groups.join("g", { topics: ["t"], memberId: "a" });
      const b = await groups.join("g", { topics: ["t"], memberId: "b" });
      // a's heartbeat revokes two partitions; its answer may be lost, a retries with the same request
      const a2 = await faulted(when, () =>
        groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments }),
      );
      expect(a2.assignments.length).toBe(2);
      await exclusive(groups);
      // b gets nothing until a's next heartbeat acknowledges the release
      const b2 = await groups.heartbeat("g", "b", { memberEpoch: b.memberEpoch, owned: [] });
      expect(b2.assignments).toEqual([]);
      const a3 = await faulted(when, () =>
        groups.heartbeat("g", "a", { memberEpoch: a2.memberEpoch, owned: a2.assignments }),
      );
      expect(a3).toEqual(a2);
      const b3 = await faulted(when, () => groups.heartbeat("g", "b", { memberEpoch: b2.memberEpoch, owned: [] }));
      expect(b3.assignments.map(key)).toEqual(["t/2", "t/3"]);
      await exclusive(groups);
      await close();
    });

    it("commit: the retry lands the commit exactly as sent; a commit given up before the write leaves nothing", async () => {
      const { groups, faulted, close, ledger } = await setup(factory);
      const a = await groups.join("g", { topics: ["t"], memberId: "a" });
      const offsets = [
        { topic: "t", partition: 0, offset: 2, metadata: "x" },
        { topic: "t", partition: 1, offset: 3 },
      ];
      await faulted(when, () => groups.commitOffsets("g", { memberId: "a", memberEpoch: a.memberEpoch, offsets }));
      const got = (await groups.fetchOffsets("g")).offsets.filter((o) => o.offset !== null);
      expect(got.map((o) => [o.partition, o.offset, o.metadata])).toEqual([
        [0, 2, "x"],
        [1, 3, ""],
      ]);
      // standalone commit on a fresh group, abandoned after a fault
      await groups.leave("g", "a");
      let fired = false;
      const probe = instrument(ledger, {
        fault: (call) => {
          if (!isWrite(call.method) || fired) return undefined;
          fired = true;
          return when;
        },
      });
      const other = new GroupCoordinator({ ledger: probe, topics: await catalogOf(), clock: new ManualClock() });
      await expect(other.commitOffsets("h", { offsets: [{ topic: "t", partition: 0, offset: 1 }] })).rejects.toThrow();
      const h = (await other.fetchOffsets("h")).offsets.filter((o) => o.offset !== null);
      // before: nothing was written (no phantom); after: the write is whole (all-or-nothing)
      expect(h.map((o) => o.offset)).toEqual(when === "before" ? [] : [1]);
      await close();
    });
  });
});

async function catalogOf(): Promise<FakeCatalog> {
  const c = new FakeCatalog();
  c.create("t", 1);
  c.append("t", 0, [1, 2]);
  return c;
}
