/**
 * Behaviour of the group coordinator, run on every ledger in ledgers.ts: fencing, commits (atomic,
 * tied to the topic id, standalone), admin rules, expiry, heartbeat cost, and concurrent coordinators.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCoordinator, ownershipWindowMs, RENEW_AFTER_FRACTION } from "../../../lib/groups/coordinator.js";
import type { TopicPartition } from "../../../lib/groups/types.js";
import { ManualClock } from "../../../lib/storage/clock.js";
import type { Ledger } from "../../../lib/storage/ledger.js";
import { rejected } from "../../support/expect.js";
import { type Instrumented, instrument } from "../../support/instrument.js";
import { FakeCatalog } from "./catalog.js";
import { ledgerFactories } from "./ledgers.js";

const SESSION = 30_000;
const key = (t: TopicPartition) => `${t.topic}/${t.partition}`;

describe.each(ledgerFactories)("GroupCoordinator ($name ledger)", (factory) => {
  let ledger: Instrumented<Ledger>;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let catalog: FakeCatalog;
  let groups: GroupCoordinator;
  const writes = () => ledger.calls.filter((c) => c.method === "write" || c.method === "transact").length;

  beforeEach(async () => {
    const opened = await factory.open();
    close = opened.close;
    ledger = instrument(opened.ledger);
    clock = new ManualClock();
    catalog = new FakeCatalog();
    catalog.create("orders", 4);
    catalog.append("orders", 0, [100, 200, 300, 400, 500]);
    catalog.append("orders", 1, [100, 200]);
    groups = new GroupCoordinator({ ledger, topics: catalog, clock });
  });
  afterEach(async () => close());

  const join = (id: string, topics = ["orders"]) =>
    groups.join("g", { topics, sessionTimeoutMs: SESSION, memberId: id });

  it("moves partitions to a new member only after the old owner released them", async () => {
    // Prepare
    const a = await join("a");
    expect(a.assignments.map(key)).toEqual(["orders/0", "orders/1", "orders/2", "orders/3"]);
    // Act: b joins while a still owns everything
    const b = await join("b");
    // Assess
    expect(b.assignments).toEqual([]);
    const a2 = await groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments });
    expect(a2.assignments.map(key)).toEqual(["orders/0", "orders/1"]);
    expect(a2.memberEpoch).toBeGreaterThan(a.memberEpoch);
    // a has not acknowledged the revocation yet: b still gets nothing
    const b2 = await groups.heartbeat("g", "b", { memberEpoch: b.memberEpoch, owned: [] });
    expect(b2.assignments).toEqual([]);
    expect((await groups.describeGroup("g")).state).toBe("Reconciling");
    await groups.heartbeat("g", "a", { memberEpoch: a2.memberEpoch, owned: a2.assignments });
    const b3 = await groups.heartbeat("g", "b", { memberEpoch: b2.memberEpoch, owned: [] });
    expect(b3.assignments.map(key)).toEqual(["orders/2", "orders/3"]);
    const d = await groups.describeGroup("g");
    expect(d.state).toBe("Stable");
    expect(d.members.map((m) => [m.memberId, m.assignments.length])).toEqual([
      ["a", 2],
      ["b", 2],
    ]);
  });

  it("fences unknown members and stale epochs, telling them to rejoin, and replays a lost answer", async () => {
    const a = await join("a");
    await join("b");
    const a2 = await groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments });
    // the answer a2 was "lost": a heartbeats with its previous epoch and gets the same answer again
    const replay = await groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments });
    expect(replay).toEqual(a2);
    const a3 = await groups.heartbeat("g", "a", { memberEpoch: a2.memberEpoch, owned: a2.assignments });
    const bumped = await join("c");
    await groups.heartbeat("g", "a", { memberEpoch: a3.memberEpoch, owned: a3.assignments });
    expect(bumped.memberId).toBe("c");
    // an epoch older than the previous one is fenced
    const stale = await rejected(groups.heartbeat("g", "a", { memberEpoch: 0, owned: [] }));
    expect(stale.code).toBe("FENCED_MEMBER");
    expect(stale.details.action).toBe("rejoin");
    const unknown = await rejected(groups.heartbeat("g", "zz", { memberEpoch: 1, owned: [] }));
    expect(unknown.code).toBe("UNKNOWN_MEMBER");
    expect(unknown.details.action).toBe("rejoin");
    const bad = await rejected(groups.heartbeat("g", "a", { memberEpoch: -1, owned: [] }));
    expect([bad.code, bad.details.field]).toEqual(["INVALID_ARGUMENT", "memberEpoch"]);
  });

  it("commits atomically, fenced by member, epoch and ownership; rejected commits change nothing", async () => {
    const a = await join("a");
    await join("b");
    const a2 = await groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments });
    // commit-on-revoke: a may still commit orders/3, which it is releasing
    await groups.commitOffsets("g", {
      memberId: "a",
      memberEpoch: a2.memberEpoch,
      offsets: [
        { topic: "orders", partition: 0, offset: 3, metadata: "m0" },
        { topic: "orders", partition: 3, offset: 0 },
      ],
    });
    await groups.heartbeat("g", "a", { memberEpoch: a2.memberEpoch, owned: a2.assignments }); // releases 2 and 3
    const before = await groups.fetchOffsets("g");
    const notOwner = await rejected(
      groups.commitOffsets("g", {
        memberId: "a",
        memberEpoch: a2.memberEpoch,
        offsets: [
          { topic: "orders", partition: 0, offset: 5 },
          { topic: "orders", partition: 3, offset: 0 },
        ],
      }),
    );
    expect([notOwner.code, notOwner.details.partition]).toEqual(["NOT_OWNER", 3]);
    const fenced = await rejected(
      groups.commitOffsets("g", {
        memberId: "a",
        memberEpoch: 0,
        offsets: [{ topic: "orders", partition: 0, offset: 5 }],
      }),
    );
    expect(fenced.code).toBe("FENCED_MEMBER");
    const unknown = await rejected(
      groups.commitOffsets("g", {
        memberId: "x",
        memberEpoch: 1,
        offsets: [{ topic: "orders", partition: 0, offset: 5 }],
      }),
    );
    expect(unknown.code).toBe("UNKNOWN_MEMBER");
    expect(await groups.fetchOffsets("g")).toEqual(before);
    const p0 = before.offsets.find((o) => o.partition === 0)!;
    expect(p0).toEqual({ topic: "orders", partition: 0, offset: 3, metadata: "m0", highWatermark: 5, lag: 2 });
    expect(before.offsets.find((o) => o.partition === 1)).toMatchObject({ offset: null, lag: null, highWatermark: 2 });
    const beyond = await rejected(
      groups.commitOffsets("g", {
        memberId: "a",
        memberEpoch: a2.memberEpoch,
        offsets: [{ topic: "orders", partition: 0, offset: 6 }],
      }),
    );
    expect([beyond.code, beyond.details.field]).toEqual(["INVALID_ARGUMENT", "offsets[0].offset"]);
  });

  it("ties commits to the topic id: a re-created topic does not inherit them", async () => {
    await groups.commitOffsets("g", { offsets: [{ topic: "orders", partition: 1, offset: 2 }] });
    expect((await groups.fetchOffsets("g")).offsets.find((o) => o.partition === 1)?.offset).toBe(2);
    catalog.delete("orders");
    catalog.create("orders", 2);
    const after = await groups.fetchOffsets("g");
    expect(after.offsets).toEqual([
      { topic: "orders", partition: 0, offset: null, metadata: null, highWatermark: 0, lag: null },
      { topic: "orders", partition: 1, offset: null, metadata: null, highWatermark: 0, lag: null },
    ]);
  });

  it("allows standalone commits only while the group has no live members", async () => {
    expect(await groups.fetchOffsets("g")).toEqual({ offsets: [] });
    await groups.commitOffsets("g", { offsets: [{ topic: "orders", partition: 0, offset: 1 }] });
    expect(await groups.listGroups()).toEqual(["g"]);
    await join("a");
    const busy = await rejected(groups.commitOffsets("g", { offsets: [{ topic: "orders", partition: 0, offset: 2 }] }));
    expect(busy.code).toBe("GROUP_NOT_EMPTY");
    clock.advance(SESSION);
    await groups.commitOffsets("g", { offsets: [{ topic: "orders", partition: 0, offset: 2 }] });
    expect((await groups.fetchOffsets("g")).offsets[0]?.offset).toBe(2);
  });

  it("deletes and resets only without live members", async () => {
    catalog.create("audit", 1);
    catalog.append("audit", 0, [10, 20]);
    const a = await join("a");
    await groups.commitOffsets("g", {
      memberId: "a",
      memberEpoch: a.memberEpoch,
      offsets: [{ topic: "orders", partition: 0, offset: 4 }],
    });
    expect((await rejected(groups.deleteGroup("g"))).code).toBe("GROUP_NOT_EMPTY");
    expect((await rejected(groups.resetOffsets("g", { to: "earliest" }))).code).toBe("GROUP_NOT_EMPTY");
    await groups.leave("g", "a");
    await groups.leave("g", "a"); // a retried leave is harmless

    catalog.truncate("orders", 0, 1);
    const offsetsOf = (r: { offsets: { partition: number; offset: number }[] }) => r.offsets.map((o) => o.offset);
    expect(offsetsOf(await groups.resetOffsets("g", { to: "earliest" }))).toEqual([1, 0, 0, 0]);
    expect(offsetsOf(await groups.resetOffsets("g", { to: "latest" }))).toEqual([5, 2, 0, 0]);
    expect(offsetsOf(await groups.resetOffsets("g", { to: { timestamp: 250 } }))).toEqual([2, 2, 0, 0]);
    expect(offsetsOf(await groups.resetOffsets("g", { to: { offset: 3 } }))).toEqual([3, 2, 0, 0]);
    expect(offsetsOf(await groups.resetOffsets("g", { to: "latest", topics: ["audit"] }))).toEqual([2]);
    const fetched = await groups.fetchOffsets("g");
    expect(fetched.offsets.map((o) => [o.topic, o.partition, o.offset])).toEqual([
      ["audit", 0, 2],
      ["orders", 0, 3],
      ["orders", 1, 2],
      ["orders", 2, 0],
      ["orders", 3, 0],
    ]);
    const badTo = await rejected(groups.resetOffsets("g", { to: "soon" as never }));
    expect([badTo.code, badTo.details.field]).toEqual(["INVALID_ARGUMENT", "to"]);

    await groups.deleteGroup("g");
    expect(await groups.listGroups()).toEqual([]);
    expect((await rejected(groups.describeGroup("g"))).code).toBe("GROUP_NOT_FOUND");
    expect((await rejected(groups.deleteGroup("g"))).code).toBe("GROUP_NOT_FOUND");
    expect(await ledger.query("grp#g")).toEqual([]);
    // a new group under the same name starts without commits
    await join("b");
    expect((await groups.fetchOffsets("g")).offsets.every((o) => o.offset === null)).toBe(true);
  });

  it("deletes a group with more commits than one transaction holds", async () => {
    catalog.create("wide", 150);
    for (let start = 0; start < 150; start += 75) {
      const offsets = Array.from({ length: 75 }, (_, i) => ({ topic: "wide", partition: start + i, offset: 0 }));
      await groups.commitOffsets("g", { offsets });
    }
    expect((await ledger.query("grp#g")).length).toBe(151);
    await groups.deleteGroup("g");
    expect(await ledger.query("grp#g")).toEqual([]);
    expect(await groups.listGroups()).toEqual([]);
  });

  it("cleans up expired members and gives their partitions to the live ones", async () => {
    await join("a");
    const b = await join("b");
    clock.advance(SESSION - 1);
    const b2 = await groups.heartbeat("g", "b", { memberEpoch: b.memberEpoch, owned: [] });
    expect(b2.assignments).toEqual([]); // a is still live (and never acknowledged anything)
    clock.advance(1);
    const b3 = await groups.heartbeat("g", "b", { memberEpoch: b2.memberEpoch, owned: [] });
    expect(b3.assignments.length).toBe(4);
    const d = await groups.describeGroup("g");
    expect(d.members.map((m) => m.memberId)).toEqual(["b"]);
    const state = await ledger.get({ pk: "grp#g", sk: "state" });
    expect(Object.keys(state!.attrs.members as object)).toEqual(["b"]);
    const gone = await rejected(groups.heartbeat("g", "a", { memberEpoch: 1, owned: [] }));
    expect(gone.code).toBe("UNKNOWN_MEMBER");
  });

  it("costs no write for a quiet heartbeat early in the lease and one write otherwise", async () => {
    const a = await join("a");
    const base = writes();
    let epoch = a.memberEpoch;
    const beat = async () => {
      epoch = (await groups.heartbeat("g", "a", { memberEpoch: epoch, owned: a.assignments })).memberEpoch;
    };
    clock.advance(SESSION * RENEW_AFTER_FRACTION - 1);
    await beat();
    expect(writes()).toBe(base);
    clock.advance(1);
    await beat();
    expect(writes()).toBe(base + 1);
    await beat();
    expect(writes()).toBe(base + 1);
    // a change (a new member, then a revocation) costs exactly one write per heartbeat
    await join("b");
    const w = writes();
    await beat();
    expect(writes()).toBe(w + 1);
  });

  it("never lets a quiet heartbeat outlive the lease it did not renew", async () => {
    // Whenever a member's heartbeat succeeds (written or not), the stored lease must outlast the member's
    // own ownership window measured from that heartbeat: others judge expiry by the stored lease.
    const a = await join("a");
    const window = ownershipWindowMs(SESSION);
    for (let t = 0; t < 3 * SESSION; t += 700) {
      clock.advance(700);
      const sent = clock.now();
      await groups.heartbeat("g", "a", { memberEpoch: a.memberEpoch, owned: a.assignments });
      const member = (await groups.describeGroup("g")).members[0]!;
      expect(member.leaseExpiresAt).toBeGreaterThanOrEqual(sent + window);
    }
  });

  it("keeps concurrent coordinators from losing each other's updates", async () => {
    const others = Array.from({ length: 4 }, () => new GroupCoordinator({ ledger, topics: catalog, clock }));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        others[i % 4]!.join("g", { topics: ["orders"], sessionTimeoutMs: SESSION, memberId: `m${i}` }),
      ),
    );
    const d = await groups.describeGroup("g");
    expect(d.members.length).toBe(12);
    const owned = d.members.flatMap((m) => [...m.assignments, ...m.revoking].map(key));
    expect(new Set(owned).size).toBe(owned.length);
    const conflicts = ledger.calls.filter((c) => c.method === "write" || c.method === "transact").length;
    expect(conflicts).toBeGreaterThanOrEqual(12);
  });

  it("keeps the state item small for a large group", async () => {
    catalog.create("big", 1_000);
    for (let i = 0; i < 200; i++) await join(`member-${String(i).padStart(4, "0")}`, ["big", "orders"]);
    const state = await ledger.get({ pk: "grp#g", sk: "state" });
    expect(JSON.stringify(state!.attrs).length).toBeLessThan(100_000);
  });

  it("refuses '.' and '..' as group, member and topic names, as the HTTP edge does (URLs resolve them as path steps)", async () => {
    const cases: [Promise<unknown>, string][] = [
      [groups.join("..", { topics: ["orders"] }), "group"],
      [groups.join("g", { topics: ["orders"], memberId: "." }), "memberId"],
      [groups.join("g", { topics: [".."] }), "topics[0]"],
    ];
    for (const [p, field] of cases) {
      const e = await rejected(p);
      expect([e.code, e.details.field]).toEqual(["INVALID_ARGUMENT", field]);
    }
  });

  it("rejects malformed requests naming the field", async () => {
    const cases: [Promise<unknown>, string][] = [
      [groups.join("g", { topics: [] }), "topics"],
      [groups.join("g", { topics: ["orders"], sessionTimeoutMs: 5 }), "sessionTimeoutMs"],
      [groups.join("bad/name", { topics: ["orders"] }), "group"],
      [groups.commitOffsets("g", { offsets: [] }), "offsets"],
      [groups.commitOffsets("g", { offsets: [{ topic: "orders", partition: 0, offset: -1 }] }), "offsets[0].offset"],
      [
        groups.commitOffsets("g", { memberEpoch: 1, offsets: [{ topic: "orders", partition: 0, offset: 1 }] }),
        "memberId",
      ],
      [
        groups.commitOffsets("g", {
          offsets: [
            { topic: "orders", partition: 0, offset: 1 },
            { topic: "orders", partition: 0, offset: 2 },
          ],
        }),
        "offsets[1]",
      ],
      [
        groups.heartbeat("g", "a", { memberEpoch: 1, owned: [{ topic: "orders", partition: -1 }] }),
        "owned[0].partition",
      ],
    ];
    for (const [p, field] of cases) {
      const e = await rejected(p);
      expect([e.code, e.details.field]).toEqual(["INVALID_ARGUMENT", field]);
    }
  });
});
