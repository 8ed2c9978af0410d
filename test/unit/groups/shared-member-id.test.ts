/**
 * Two processes that join with one memberId: the later join is a new incarnation of the member. The earlier
 * one is fenced (heartbeat, commit), and no partition is ever given to the new incarnation while the old one
 * may still hold it: it waits for the old incarnation's lease to end, or for the old one to leave. A join
 * retried with its own joinId (its answer was lost) is the same incarnation and costs nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCoordinator } from "../../../lib/groups/coordinator.js";
import type { TopicPartition } from "../../../lib/groups/types.js";
import { ManualClock } from "../../../lib/storage/clock.js";
import { rejected } from "../../support/expect.js";
import { FakeCatalog } from "./catalog.js";
import { ledgerFactories } from "./ledgers.js";

const SESSION = 30_000;
const key = (t: TopicPartition) => `${t.topic}/${t.partition}`;

describe.each(ledgerFactories)("one memberId, two processes ($name ledger)", (factory) => {
  let close: () => Promise<void>;
  let clock: ManualClock;
  let groups: GroupCoordinator;

  beforeEach(async () => {
    const opened = await factory.open();
    close = opened.close;
    clock = new ManualClock();
    const catalog = new FakeCatalog();
    catalog.create("orders", 4);
    catalog.append("orders", 0, [100, 200, 300]);
    groups = new GroupCoordinator({ ledger: opened.ledger, topics: catalog, clock });
  });
  afterEach(async () => close());

  const join = (joinId?: string) =>
    groups.join("g", { topics: ["orders"], sessionTimeoutMs: SESSION, memberId: "shared", joinId });

  it("fences the earlier process on its next heartbeat and commit; what each was given never overlaps", async () => {
    const first = await join("process-1");
    expect(first.assignments.map(key)).toEqual(["orders/0", "orders/1", "orders/2", "orders/3"]);
    clock.advance(1_000);
    const second = await join("process-2");
    expect(second.memberEpoch).not.toBe(first.memberEpoch);
    // process 1 may still be consuming everything: process 2 is given none of it
    expect(second.assignments).toEqual([]);

    const beat = await rejected(
      groups.heartbeat("g", "shared", { memberEpoch: first.memberEpoch, owned: first.assignments }),
    );
    expect([beat.code, beat.details.action]).toEqual(["FENCED_MEMBER", "rejoin"]);
    const commit = await rejected(
      groups.commitOffsets("g", {
        memberId: "shared",
        memberEpoch: first.memberEpoch,
        offsets: [{ topic: "orders", partition: 0, offset: 1 }],
      }),
    );
    expect(commit.code).toBe("FENCED_MEMBER");
    expect((await groups.fetchOffsets("g")).offsets.every((o) => o.offset === null)).toBe(true);

    // process 2 heartbeats: still nothing until process 1's lease (from its join) has ended
    clock.advance(SESSION - 1_001);
    const early = await groups.heartbeat("g", "shared", { memberEpoch: second.memberEpoch, owned: [] });
    expect(early.assignments).toEqual([]);
    clock.advance(1);
    const late = await groups.heartbeat("g", "shared", { memberEpoch: early.memberEpoch, owned: [] });
    expect(late.assignments.map(key)).toEqual(["orders/0", "orders/1", "orders/2", "orders/3"]);
    await groups.commitOffsets("g", {
      memberId: "shared",
      memberEpoch: late.memberEpoch,
      offsets: [{ topic: "orders", partition: 0, offset: 2 }],
    });
    const d = await groups.describeGroup("g");
    expect(d.members.map((m) => m.memberId)).toEqual(["shared"]);
    expect(d.state).toBe("Stable");
  });

  it("frees the earlier process's partitions at once when it leaves with its epoch, and ignores its stale leave otherwise", async () => {
    const first = await join("process-1");
    const second = await join("process-2");
    // process 1 stops: its leave names its (fenced) epoch, so it removes only what it may still hold
    await groups.leave("g", "shared", { memberEpoch: first.memberEpoch });
    const d = await groups.describeGroup("g");
    expect(d.members.map((m) => [m.memberId, m.memberEpoch])).toEqual([["shared", second.memberEpoch]]);
    const got = await groups.heartbeat("g", "shared", { memberEpoch: second.memberEpoch, owned: [] });
    expect(got.assignments).toHaveLength(4);
    // a third process takes over; the second one's late leave at its old epoch does not remove the third
    const third = await join("process-3");
    await groups.leave("g", "shared", { memberEpoch: got.memberEpoch });
    await groups.leave("g", "shared", { memberEpoch: second.memberEpoch });
    expect((await groups.describeGroup("g")).members.map((m) => m.memberEpoch)).toEqual([third.memberEpoch]);
  });

  it("treats a join retried with the same joinId as the same process: same epoch, same partitions", async () => {
    const first = await join("process-1");
    const retried = await join("process-1");
    expect(retried).toEqual(first);
  });

  it("treats a join naming a live member without a joinId as a new process", async () => {
    const first = await join();
    const again = await join();
    expect(again.memberEpoch).not.toBe(first.memberEpoch);
    expect(again.assignments).toEqual([]);
    const beat = await rejected(groups.heartbeat("g", "shared", { memberEpoch: first.memberEpoch, owned: [] }));
    expect(beat.code).toBe("FENCED_MEMBER");
  });
});
