/**
 * Fuzzing the group routes (fast-check), like fuzz.test.ts does for topics and records: take valid join,
 * heartbeat, commit (member and standalone) and reset requests, break exactly one field, and send them to a
 * real server. Every answer must be a 4xx application/problem+json whose `field` names the broken field (or a
 * member inside it), and the groups read back before and after must be identical. The coordinator runs on a
 * ManualClock that never moves, so no lease expires between the two reads.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ManualClock } from "../../lib/storage/clock.js";
import { breakOneField, expectRejectedUnchanged, type Json, type Path } from "../support/broken-field.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;
let memberEpoch: number;

beforeAll(async () => {
  server = await startTestServer({ clock: new ManualClock(), fsync: "never" });
  api = client(server.url);
  expect((await api.post("/v1/topics", { name: "gfz", partitions: 2 })).status).toBe(201);
  for (const partition of [0, 1]) {
    const records = [1, 2, 3].map((i) => ({ value: `v${i}`, timestamp: i * 1000 }));
    expect((await api.post(`/v1/topics/gfz/partitions/${partition}/records`, { records })).status).toBe(200);
  }
  // "live": one member owning both partitions; "idle": no members, one standalone commit
  const joined = await api.post("/v1/groups/live/members", { topics: ["gfz"], memberId: "fz-m" });
  expect(joined.body.assignments).toHaveLength(2);
  memberEpoch = joined.body.memberEpoch;
  const committed = await api.post("/v1/groups/idle/offsets", { offsets: [{ topic: "gfz", partition: 0, offset: 1 }] });
  expect(committed.status).toBe(200);
});
afterAll(async () => server?.dispose());

/** Everything a group request could change. */
async function snapshot() {
  return {
    list: (await api.get("/v1/groups")).body,
    live: (await api.get("/v1/groups/live")).body,
    idle: (await api.get("/v1/groups/idle")).body,
    unknown: (await api.get("/v1/groups/fresh/offsets")).body,
  };
}

/** Values that are wrong for a field, by its name (and, for list entries, by the list's name). */
function badValues(path: Path): Json[] {
  const last = path.at(-1);
  const parent = path.at(-2);
  const common: Json[] = [{ nested: true }];
  if (typeof last === "number") {
    return parent === "topics" ? ["bad topic", "", "..", 5, null] : [5, "x", null, ...common];
  }
  switch (last) {
    case "topics":
      return [[], "gfz", null, 3, ...common];
    case "sessionTimeoutMs":
      return [999, 1.5, "5000", null, 1_800_001];
    case "memberId":
      return ["bad id", "", "..", 5, null, "x".repeat(250)];
    case "memberEpoch":
      return [-1, 1.5, "1", null];
    case "owned":
    case "offsets":
      return ["x", null, 5, ...common, ...(last === "offsets" ? [[]] : [])];
    case "topic":
      return ["bad topic", "", 5, null];
    case "partition":
      // an unknown partition is a 404 naming it when committing
      return [-1, 1.5, "0", null, ...(path[0] === "offsets" ? [99] : [])];
    case "offset":
      // past the high watermark is a 400 too, for commits (a reset clamps instead)
      return [-1, 1.5, "1", null, ...(path[0] === "offsets" ? [1_000] : [])];
    case "metadata":
      return [5, null, "x".repeat(4097)];
    case "to":
      return ["first", 5, null, [], {}, ...common];
    case "timestamp":
      return [-1, 1.5, "now", null];
    default:
      return common;
  }
}

const partition = fc.constantFrom(0, 1);
const join = fc
  .record(
    {
      topics: fc.constant(["gfz"]),
      sessionTimeoutMs: fc.integer({ min: 1_000, max: 60_000 }),
      memberId: fc.constant("fz-new"),
    },
    { requiredKeys: ["topics"] },
  )
  .map((body) => ({ method: "POST", url: "/v1/groups/live/members", body: body as unknown as Json }));
const heartbeat = fc.record({ owned: fc.uniqueArray(partition, { minLength: 1, maxLength: 2 }) }).map(({ owned }) => ({
  method: "POST",
  url: "/v1/groups/live/members/fz-m/heartbeat",
  body: { memberEpoch, owned: owned.map((p) => ({ topic: "gfz", partition: p })) } as Json,
}));
const offsets = fc.uniqueArray(
  fc.record(
    {
      topic: fc.constant("gfz"),
      partition,
      offset: fc.integer({ min: 0, max: 3 }),
      metadata: fc.string({ maxLength: 8 }),
    },
    { requiredKeys: ["topic", "partition", "offset"] },
  ),
  { minLength: 1, maxLength: 2, selector: (o) => o.partition },
);
const memberCommit = offsets.map((o) => ({
  method: "POST",
  url: "/v1/groups/live/offsets",
  body: { memberId: "fz-m", memberEpoch, offsets: o } as Json,
}));
const standaloneCommit = offsets.map((o) => ({
  method: "POST",
  url: "/v1/groups/idle/offsets",
  body: { offsets: o } as Json,
}));
const reset = fc
  .record(
    {
      to: fc.oneof(
        fc.constantFrom("earliest", "latest"),
        fc.record({ offset: fc.nat(10) }),
        fc.record({ timestamp: fc.nat(5_000) }),
      ),
      topics: fc.constant(["gfz"]),
    },
    { requiredKeys: ["to"] },
  )
  .map((body) => ({ method: "POST", url: "/v1/groups/idle/offsets/reset", body: body as unknown as Json }));

/** A valid request with one field broken: a wrong value, or an unknown member next to it. */
const broken = breakOneField(fc.oneof(join, heartbeat, memberCommit, standaloneCommit, reset), badValues);

it("a group request with one broken field is a 4xx problem naming it, and changes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(broken, (req) => expectRejectedUnchanged(api, req, snapshot)),
    { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? 20240502) },
  );
});

it("a broken group name or memberId in the path is a 400 naming it, on every group route", async () => {
  const routes: [string, (g: string, m: string) => string, unknown?][] = [
    ["GET", (g) => `/v1/groups/${g}`],
    ["DELETE", (g) => `/v1/groups/${g}`],
    ["GET", (g) => `/v1/groups/${g}/offsets`],
    ["POST", (g) => `/v1/groups/${g}/offsets`, { offsets: [{ topic: "gfz", partition: 0, offset: 0 }] }],
    ["POST", (g) => `/v1/groups/${g}/offsets/reset`, { to: "earliest" }],
    ["POST", (g) => `/v1/groups/${g}/members`, { topics: ["gfz"] }],
    ["POST", (g, m) => `/v1/groups/${g}/members/${m}/heartbeat`, { memberEpoch, owned: [] }],
    ["DELETE", (g, m) => `/v1/groups/${g}/members/${m}`],
  ];
  const bad = ["bad%20name", "x".repeat(250), "a%24b", "%C3%A9t%C3%A9", "a%2Fb"];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom(...bad),
      fc.boolean(),
      async ([method, url, body], value, inMember) => {
        const before = await snapshot();
        const hasMember = url("g", "MEMBER").includes("MEMBER");
        const brokeMember = inMember && hasMember;
        const path = brokeMember ? url("live", value) : url(value, "fz-m");
        const res = await api.call(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body.field, `${method} ${path}`).toBe(brokeMember ? "memberId" : "group");
        expect(await snapshot()).toEqual(before);
      },
    ),
    { numRuns: 60 },
  );
});
