/**
 * The /v1/groups routes on the real local server (embedded backend), over HTTP: membership, incremental
 * assignment, fencing (409 with action "rejoin"), atomic fenced commits, standalone commits, describe with lag,
 * admin rules (delete, reset), validation. The group coordinator runs on a ManualClock, so leases expire
 * only when a test moves time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/storage/clock.js";
import { type Answer, type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
const clock = new ManualClock();

beforeAll(async () => {
  server = await startTestServer({ clock, fsync: "never" });
  api = client(server.url);
});
afterAll(async () => server?.dispose());

async function topic(name: string, partitions: number, records = 0) {
  expect((await api.post("/v1/topics", { name, partitions })).status).toBe(201);
  for (let p = 0; p < partitions && records > 0; p++) {
    const values = Array.from({ length: records }, (_, i) => ({ value: `v${i}`, timestamp: 1_000 * (i + 1) }));
    expect((await api.post(`/v1/topics/${name}/partitions/${p}/records`, { records: values })).status).toBe(200);
  }
}

const join = async (group: string, body: Record<string, unknown>) => {
  const res = await api.post(`/v1/groups/${group}/members`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { memberId: string; memberEpoch: number; assignments: TP[]; sessionTimeoutMs: number };
};
const heartbeat = (group: string, memberId: string, memberEpoch: number, owned: TP[]) =>
  api.post(`/v1/groups/${group}/members/${memberId}/heartbeat`, { memberEpoch, owned });
const commit = (group: string, body: Record<string, unknown>) => api.post(`/v1/groups/${group}/offsets`, body);
const offsetsOf = async (group: string) => (await api.get(`/v1/groups/${group}/offsets`)).body.offsets as Offset[];

interface TP {
  topic: string;
  partition: number;
}
interface Offset extends TP {
  offset: number | null;
  metadata: string | null;
  highWatermark: number;
  lag: number | null;
}

const sorted = (tps: TP[]) => [...tps].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
const tps = (t: string, ...partitions: number[]) => partitions.map((partition) => ({ topic: t, partition }));

function expectProblem(res: Answer, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.contentType).toContain("application/problem+json");
  expect(res.body.type).toBe(`urn:strata:problem:${slug}`);
}

describe("membership", () => {
  it("join, heartbeat and leave: partitions move incrementally, never to two members at once", async () => {
    await topic("m-orders", 4);
    const a = await join("m-group", { topics: ["m-orders"], sessionTimeoutMs: 10_000 });
    expect(a.memberId).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(a.sessionTimeoutMs).toBe(10_000);
    expect(sorted(a.assignments)).toEqual(tps("m-orders", 0, 1, 2, 3));

    // b joins: a still holds everything, so b gets nothing until a's heartbeat gives two up
    const b = await join("m-group", { topics: ["m-orders"], memberId: "member-b" });
    expect(b.memberId).toBe("member-b");
    expect(b.sessionTimeoutMs).toBe(45_000);
    expect(b.assignments).toEqual([]);
    const revoke = await heartbeat("m-group", a.memberId, a.memberEpoch, a.assignments);
    expect(revoke.status).toBe(200);
    expect(revoke.body.assignments).toHaveLength(2);
    const stillB = await heartbeat("m-group", "member-b", b.memberEpoch, []);
    expect(stillB.body.assignments, "not before a has released them").toEqual([]);

    // a confirms it released them; now b gets them
    const released = await heartbeat("m-group", a.memberId, revoke.body.memberEpoch, revoke.body.assignments);
    expect(released.status).toBe(200);
    const gained = await heartbeat("m-group", "member-b", stillB.body.memberEpoch, []);
    expect(gained.body.assignments).toHaveLength(2);
    expect(sorted([...released.body.assignments, ...gained.body.assignments])).toEqual(tps("m-orders", 0, 1, 2, 3));
    expect(gained.body.memberEpoch).toBeGreaterThan(b.memberEpoch);

    const described = (await api.get("/v1/groups/m-group")).body;
    expect(described).toMatchObject({ group: "m-group", state: "Stable" });
    expect(described.members.map((m: { memberId: string }) => m.memberId).sort()).toEqual(
      [a.memberId, "member-b"].sort(),
    );

    // leaving frees b's partitions at once (a's next heartbeat gets them); leaving twice is harmless
    expect((await api.delete("/v1/groups/m-group/members/member-b")).status).toBe(204);
    expect((await api.delete("/v1/groups/m-group/members/member-b")).status).toBe(204);
    const all = await heartbeat("m-group", a.memberId, released.body.memberEpoch, released.body.assignments);
    expect(sorted(all.body.assignments)).toEqual(tps("m-orders", 0, 1, 2, 3));
  });

  it("a retried join with the same memberId and joinId finds the same member", async () => {
    await topic("r-orders", 2);
    const first = await join("r-group", { topics: ["r-orders"], memberId: "stable-id", joinId: "join-1" });
    const again = await join("r-group", { topics: ["r-orders"], memberId: "stable-id", joinId: "join-1" });
    expect(again).toEqual(first);
    expect((await api.get("/v1/groups/r-group")).body.members).toHaveLength(1);
  });

  it("two processes joining with one memberId: the first is fenced, nothing is given to both", async () => {
    await topic("twin-orders", 2);
    const first = await join("twin-group", {
      topics: ["twin-orders"],
      memberId: "shared-id",
      sessionTimeoutMs: 10_000,
    });
    expect(sorted(first.assignments)).toEqual(tps("twin-orders", 0, 1));
    const second = await join("twin-group", {
      topics: ["twin-orders"],
      memberId: "shared-id",
      sessionTimeoutMs: 10_000,
    });
    expect(second.memberEpoch).not.toBe(first.memberEpoch);
    expect(second.assignments).toEqual([]); // the first process may still be consuming both partitions
    // the first process's next heartbeat and commit are fenced
    const beat = await heartbeat("twin-group", "shared-id", first.memberEpoch, first.assignments);
    expectProblem(beat, 409, "fenced-member");
    expect(beat.body.action).toBe("rejoin");
    const committed = await commit("twin-group", {
      memberId: "shared-id",
      memberEpoch: first.memberEpoch,
      offsets: [{ topic: "twin-orders", partition: 0, offset: 0 }],
    });
    expectProblem(committed, 409, "fenced-member");
    // it leaves naming its epoch: the second incarnation stays and now gets the partitions
    const left = await api.delete(`/v1/groups/twin-group/members/shared-id?memberEpoch=${first.memberEpoch}`);
    expect(left.status).toBe(204);
    const got = await heartbeat("twin-group", "shared-id", second.memberEpoch, []);
    expect(got.status).toBe(200);
    expect(sorted(got.body.assignments)).toEqual(tps("twin-orders", 0, 1));
    const bad = await api.delete("/v1/groups/twin-group/members/shared-id?memberEpoch=x");
    expectProblem(bad, 400, "invalid-argument");
    expect(bad.body.field).toBe("memberEpoch");
  });
});

describe("fencing: 409 problems that say what to do", () => {
  it("an unknown member (never joined, left, expired) must rejoin", async () => {
    await topic("f-orders", 2);
    const never = await heartbeat("f-group", "nobody", 1, []);
    expectProblem(never, 409, "unknown-member");
    expect(never.body.action).toBe("rejoin");
    expect(never.body.detail).toMatch(/rejoin/);

    const m = await join("f-group", { topics: ["f-orders"], sessionTimeoutMs: 3_000 });
    clock.advance(3_001);
    const expired = await heartbeat("f-group", m.memberId, m.memberEpoch, m.assignments);
    expectProblem(expired, 409, "unknown-member");
    expect(expired.body).toMatchObject({ action: "rejoin", memberId: m.memberId, group: "f-group" });

    const rejoined = await join("f-group", { topics: ["f-orders"] });
    expect(rejoined.assignments).toHaveLength(2);
    await api.delete(`/v1/groups/f-group/members/${rejoined.memberId}`);
    const left = await heartbeat("f-group", rejoined.memberId, rejoined.memberEpoch, []);
    expectProblem(left, 409, "unknown-member");
    expect(left.body.action).toBe("rejoin");
  });

  it("a stale memberEpoch is fenced: 409 with action rejoin and the current epoch, and nothing changes", async () => {
    await topic("s-orders", 2);
    const a = await join("s-group", { topics: ["s-orders"] });
    await join("s-group", { topics: ["s-orders"], memberId: "s-b" });
    const moved = await heartbeat("s-group", a.memberId, a.memberEpoch, a.assignments);
    const current = moved.body.memberEpoch;
    expect(current).toBeGreaterThan(a.memberEpoch);
    // current and the one before are accepted (a lost answer); anything older is fenced
    const before = (await api.get("/v1/groups/s-group")).body;
    const stale = await heartbeat("s-group", a.memberId, a.memberEpoch - 1, []);
    expectProblem(stale, 409, "fenced-member");
    expect(stale.body).toMatchObject({ action: "rejoin", memberEpoch: a.memberEpoch - 1, currentEpoch: current });
    expect(stale.body.detail).toMatch(/rejoin/);
    expect((await api.get("/v1/groups/s-group")).body).toEqual(before);

    const fencedCommit = await commit("s-group", {
      memberId: a.memberId,
      memberEpoch: a.memberEpoch - 1,
      offsets: [{ topic: "s-orders", partition: moved.body.assignments[0].partition, offset: 0 }],
    });
    expectProblem(fencedCommit, 409, "fenced-member");
    expect(fencedCommit.body.action).toBe("rejoin");
    expect((await offsetsOf("s-group")).every((o) => o.offset === null)).toBe(true);
  });
});

describe("offset commits", () => {
  it("a multi-partition commit is atomic: all partitions, or none when one is not owned", async () => {
    await topic("c-orders", 4, 5);
    const a = await join("c-group", { topics: ["c-orders"] });
    await join("c-group", { topics: ["c-orders"], memberId: "c-b" });
    const revoked = await heartbeat("c-group", a.memberId, a.memberEpoch, a.assignments);
    // until a confirms the release, a revoked partition may still be committed (commit-on-revoke): confirm it
    const hb = await heartbeat("c-group", a.memberId, revoked.body.memberEpoch, revoked.body.assignments);
    const mine: TP[] = hb.body.assignments;
    expect(mine).toHaveLength(2);
    const epoch = hb.body.memberEpoch;
    const notMine = tps("c-orders", 0, 1, 2, 3).find((tp) => !mine.some((m) => m.partition === tp.partition))!;

    const ok = await commit("c-group", {
      memberId: a.memberId,
      memberEpoch: epoch,
      offsets: mine.map((tp, i) => ({ ...tp, offset: 2 + i, metadata: `batch-${i}` })),
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.offsets).toHaveLength(mine.length);
    const after = await offsetsOf("c-group");
    for (const [i, tp] of mine.entries()) {
      expect(after.find((o) => o.partition === tp.partition)).toMatchObject({
        offset: 2 + i,
        metadata: `batch-${i}`,
        highWatermark: 5,
        lag: 3 - i,
      });
    }

    // one partition it does not own: 409 not-owner naming it, and the owned one is not written either
    const mixed = await commit("c-group", {
      memberId: a.memberId,
      memberEpoch: epoch,
      offsets: [
        { ...mine[0]!, offset: 5 },
        { ...notMine, offset: 5 },
      ],
    });
    expectProblem(mixed, 409, "not-owner");
    expect(mixed.body).toMatchObject({ topic: "c-orders", partition: notMine.partition });
    expect(mixed.body.action).not.toBe("rejoin");
    expect(await offsetsOf("c-group")).toEqual(after);

    // one offset past the high watermark: 400 naming it, nothing written
    const beyond = await commit("c-group", {
      memberId: a.memberId,
      memberEpoch: epoch,
      offsets: [
        { ...mine[0]!, offset: 4 },
        { ...mine[1]!, offset: 6 },
      ],
    });
    expectProblem(beyond, 400, "invalid-argument");
    expect(beyond.body.field).toBe("offsets[1].offset");
    expect(await offsetsOf("c-group")).toEqual(after);

    // unknown topic and partition are 404s
    const noTopic = await commit("c-group", { offsets: [{ topic: "nope", partition: 0, offset: 0 }] });
    expectProblem(noTopic, 404, "topic-not-found");
    const noPartition = await commit("c-group", {
      memberId: a.memberId,
      memberEpoch: epoch,
      offsets: [{ topic: "c-orders", partition: 9, offset: 0 }],
    });
    expectProblem(noPartition, 404, "partition-not-found");
    expect(noPartition.body.field).toBe("offsets[0].partition");
  });

  it("standalone commits (no member) work while the group has no live members, and are refused while it has", async () => {
    await topic("a-orders", 2, 3);
    const first = await commit("a-group", { offsets: [{ topic: "a-orders", partition: 1, offset: 2, metadata: "m" }] });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(await offsetsOf("a-group")).toEqual([
      { topic: "a-orders", partition: 0, offset: null, metadata: null, highWatermark: 3, lag: null },
      { topic: "a-orders", partition: 1, offset: 2, metadata: "m", highWatermark: 3, lag: 1 },
    ]);
    expect((await api.get("/v1/groups")).body.groups).toContain("a-group");

    const m = await join("a-group", { topics: ["a-orders"] });
    const refused = await commit("a-group", { offsets: [{ topic: "a-orders", partition: 0, offset: 1 }] });
    expectProblem(refused, 409, "group-not-empty");
    expect((await offsetsOf("a-group"))[0]!.offset).toBeNull();

    // a joining member resumes from the standalone commit
    expect((await offsetsOf("a-group"))[1]!.offset).toBe(2);
    await api.delete(`/v1/groups/a-group/members/${m.memberId}`);
    expect((await commit("a-group", { offsets: [{ topic: "a-orders", partition: 0, offset: 3 }] })).status).toBe(200);
  });

  it("an unknown group has no offsets (a fresh consumer may ask before anything exists)", async () => {
    const res = await api.get("/v1/groups/never-seen/offsets");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offsets: [] });
  });

  it("commits do not survive a topic's re-creation", async () => {
    await topic("x-orders", 1, 2);
    expect((await commit("x-group", { offsets: [{ topic: "x-orders", partition: 0, offset: 2 }] })).status).toBe(200);
    expect((await api.delete("/v1/topics/x-orders")).status).toBe(204);
    await topic("x-orders", 1, 1);
    expect(await offsetsOf("x-group")).toEqual([
      { topic: "x-orders", partition: 0, offset: null, metadata: null, highWatermark: 1, lag: null },
    ]);
  });
});

describe("admin", () => {
  it("describe shows state, epoch, members with assignments, and per-partition lag", async () => {
    await topic("d-orders", 3, 4);
    const m = await join("d-group", { topics: ["d-orders"], memberId: "d-1", sessionTimeoutMs: 5_000 });
    expect(
      (
        await commit("d-group", {
          memberId: "d-1",
          memberEpoch: m.memberEpoch,
          offsets: [{ topic: "d-orders", partition: 0, offset: 1 }],
        })
      ).status,
    ).toBe(200);
    const res = await api.get("/v1/groups/d-group");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ group: "d-group", state: "Stable" });
    expect(res.body.groupEpoch).toBeGreaterThan(0);
    expect(res.body.members).toEqual([
      {
        memberId: "d-1",
        memberEpoch: m.memberEpoch,
        topics: ["d-orders"],
        sessionTimeoutMs: 5_000,
        assignments: tps("d-orders", 0, 1, 2),
        revoking: [],
        target: tps("d-orders", 0, 1, 2),
        leaseExpiresAt: clock.now() + 5_000,
      },
    ]);
    expect(res.body.offsets).toEqual([
      { topic: "d-orders", partition: 0, offset: 1, metadata: "", highWatermark: 4, lag: 3 },
      { topic: "d-orders", partition: 1, offset: null, metadata: null, highWatermark: 4, lag: null },
      { topic: "d-orders", partition: 2, offset: null, metadata: null, highWatermark: 4, lag: null },
    ]);

    // an expired member is not shown: the group is Empty
    clock.advance(5_001);
    expect((await api.get("/v1/groups/d-group")).body).toMatchObject({ state: "Empty", members: [] });
    expectProblem(await api.get("/v1/groups/no-such-group"), 404, "group-not-found");
  });

  it("reset: refused with live members; earliest, latest, timestamp, clamped offset; default topics are the committed ones", async () => {
    await topic("z-orders", 2, 4);
    await topic("z-other", 1, 4);
    const m = await join("z-group", { topics: ["z-orders"], memberId: "z-1" });
    const busy = await api.post("/v1/groups/z-group/offsets/reset", { to: "earliest" });
    expectProblem(busy, 409, "group-not-empty");
    expect(await offsetsOf("z-group")).toSatisfy((o: Offset[]) => o.every((x) => x.offset === null));
    await api.delete(`/v1/groups/z-group/members/${m.memberId}`);

    const reset = (body: unknown) => api.post("/v1/groups/z-group/offsets/reset", body);
    const latest = await reset({ to: "latest", topics: ["z-orders"] });
    expect(latest.status, JSON.stringify(latest.body)).toBe(200);
    expect(latest.body.offsets).toEqual([
      { topic: "z-orders", partition: 0, offset: 4 },
      { topic: "z-orders", partition: 1, offset: 4 },
    ]);
    expect((await offsetsOf("z-group")).map((o) => o.lag)).toEqual([0, 0]);

    // without topics: those with commits (z-other is untouched)
    expect((await reset({ to: "earliest" })).body.offsets.map((o: { offset: number }) => o.offset)).toEqual([0, 0]);
    // records are stamped 1000, 2000, 3000, 4000: the first at or after 2500 is offset 2; after the last, the end
    expect((await reset({ to: { timestamp: 2_500 } })).body.offsets.map((o: Offset) => o.offset)).toEqual([2, 2]);
    expect((await reset({ to: { timestamp: 9_999 } })).body.offsets.map((o: Offset) => o.offset)).toEqual([4, 4]);
    // an explicit offset is clamped into [logStartOffset, highWatermark]
    expect((await reset({ to: { offset: 99 } })).body.offsets.map((o: Offset) => o.offset)).toEqual([4, 4]);
    expect((await reset({ to: { offset: 1 } })).body.offsets.map((o: Offset) => o.offset)).toEqual([1, 1]);
    expect((await offsetsOf("z-group")).map((o) => [o.topic, o.offset, o.lag])).toEqual([
      ["z-orders", 1, 3],
      ["z-orders", 1, 3],
    ]);

    expectProblem(await api.post("/v1/groups/z-none/offsets/reset", { to: "earliest" }), 404, "group-not-found");
    const bad = await reset({ to: { offset: 1, timestamp: 2 } });
    expectProblem(bad, 400, "invalid-argument");
    expect(bad.body.field).toBe("to");
    expectProblem(await reset({ to: "latest", topics: ["nope"] }), 404, "topic-not-found");
  });

  it("list and delete: delete is refused with live members, then removes the group and its commits", async () => {
    await topic("del-orders", 1, 2);
    const m = await join("del-group", { topics: ["del-orders"] });
    expect((await api.get("/v1/groups")).body.groups).toContain("del-group");
    const busy = await api.delete("/v1/groups/del-group");
    expectProblem(busy, 409, "group-not-empty");
    expect(busy.body.liveMembers).toBe(1);

    expect(
      (
        await commit("del-group", {
          memberId: m.memberId,
          memberEpoch: m.memberEpoch,
          offsets: [{ topic: "del-orders", partition: 0, offset: 2 }],
        })
      ).status,
    ).toBe(200);
    await api.delete(`/v1/groups/del-group/members/${m.memberId}`);
    expect((await api.delete("/v1/groups/del-group")).status).toBe(204);
    expect((await api.get("/v1/groups")).body.groups).not.toContain("del-group");
    expectProblem(await api.get("/v1/groups/del-group"), 404, "group-not-found");
    expect(await offsetsOf("del-group")).toEqual([]);
    expectProblem(await api.delete("/v1/groups/del-group"), 404, "group-not-found");
  });
});

describe("validation: 400 naming the field, nothing changes", () => {
  it("group names and member ids in the path", async () => {
    const long = "g".repeat(250);
    for (const path of [
      `/v1/groups/${long}`,
      "/v1/groups/bad%20name",
      "/v1/groups/a%2Fb/offsets",
      `/v1/groups/ok/members/${long}/heartbeat`,
      "/v1/groups/ok/members/bad%24id",
    ]) {
      const method = path.endsWith("heartbeat") ? "POST" : path.includes("/members/") ? "DELETE" : "GET";
      const res = await api.call(method, path, method === "POST" ? { memberEpoch: 1, owned: [] } : undefined);
      expectProblem(res, 400, "invalid-argument");
      expect(res.body.field, path).toBe(path.includes("/members/") ? "memberId" : "group");
    }
    expect((await api.get(`/v1/groups/${"g".repeat(249)}/offsets`)).status).toBe(200);
  });

  it("request bodies", async () => {
    const cases: [string, unknown, string][] = [
      ["/v1/groups/v/members", { topics: [] }, "topics"],
      ["/v1/groups/v/members", { topics: ["bad topic"] }, "topics[0]"],
      ["/v1/groups/v/members", { topics: ["t"], sessionTimeoutMs: 999 }, "sessionTimeoutMs"],
      ["/v1/groups/v/members", { topics: ["t"], sessionTimeoutMs: 30 * 60_000 + 1 }, "sessionTimeoutMs"],
      ["/v1/groups/v/members", { topics: ["t"], memberId: "a b" }, "memberId"],
      // ".." would be resolved as a path step by URL clients before it ever reached a route
      ["/v1/groups/v/members", { topics: ["t"], memberId: ".." }, "memberId"],
      ["/v1/groups/v/members", { topics: ["t"], topcs: ["t"] }, "topcs"],
      ["/v1/groups/v/members/m/heartbeat", { memberEpoch: -1, owned: [] }, "memberEpoch"],
      ["/v1/groups/v/members/m/heartbeat", { memberEpoch: 1 }, "owned"],
      [
        "/v1/groups/v/members/m/heartbeat",
        { memberEpoch: 1, owned: [{ topic: "t", partition: 1.5 }] },
        "owned[0].partition",
      ],
      ["/v1/groups/v/offsets", { offsets: [] }, "offsets"],
      ["/v1/groups/v/offsets", { memberId: "m", offsets: [{ topic: "t", partition: 0, offset: 0 }] }, "memberEpoch"],
      ["/v1/groups/v/offsets", { memberEpoch: 1, offsets: [{ topic: "t", partition: 0, offset: 0 }] }, "memberId"],
      [
        "/v1/groups/v/offsets",
        { offsets: [{ topic: "t", partition: 0, offset: 0, metadata: "x".repeat(4097) }] },
        "offsets[0].metadata",
      ],
      [
        "/v1/groups/v/offsets",
        { offsets: Array.from({ length: 99 }, (_, partition) => ({ topic: "t", partition, offset: 0 })) },
        "offsets",
      ],
      ["/v1/groups/v/offsets/reset", { to: "first" }, "to"],
      ["/v1/groups/v/offsets/reset", { to: { offset: -1 } }, "to.offset"],
      ["/v1/groups/v/offsets/reset", { to: "earliest", topics: [] }, "topics"],
    ];
    for (const [path, body, field] of cases) {
      const res = await api.post(path, body);
      expectProblem(res, 400, "invalid-argument");
      expect(res.body.field, `${path} ${JSON.stringify(body)}`).toBe(field);
    }
    // duplicates in one commit are caught by the domain, naming the entry
    const twice = await commit("v", {
      offsets: [
        { topic: "t", partition: 0, offset: 0 },
        { topic: "t", partition: 0, offset: 1 },
      ],
    });
    expectProblem(twice, 400, "invalid-argument");
    expect(twice.body.field).toBe("offsets[1]");
    expect((await api.post("/v1/groups/v/members", "{not json")).body.field).toBe("body");
    expect((await api.get("/v1/groups")).body.groups).not.toContain("v");
  });
});
