/**
 * Fuzzing the edge (fast-check): take valid requests, break exactly one field, and send them to a real
 * server. Every answer must be a 4xx application/problem+json whose `field` names the broken field (or a
 * member inside it), never a 5xx, and the state read back before and after must be identical: a rejected
 * request changes nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { breakOneField, expectRejectedUnchanged, fieldName, type Json, type Path } from "../support/broken-field.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  expect((await api.post("/v1/topics", { name: "fuzz", partitions: 2 })).status).toBe(201);
  const seed = await api.post("/v1/topics/fuzz/records", {
    records: [
      { key: "a", value: "1" },
      { key: "b", value: "2", headers: [{ name: "h", value: "v" }] },
    ],
  });
  expect(seed.body.failed).toBe(0);
});
afterAll(async () => server?.dispose());

/** What every request could change: the topic list, the topic's description and every record. */
async function snapshot() {
  const fetched = await api.post("/v1/fetch", {
    partitions: [0, 1].map((partition) => ({ topic: "fuzz", partition, offset: "earliest" })),
  });
  return {
    topics: (await api.get("/v1/topics")).body,
    fuzz: (await api.get("/v1/topics/fuzz")).body,
    records: fetched.body,
  };
}

/** Values that are wrong for a field, by the field's name. */
function badValues(path: Path): Json[] {
  const last = path.at(-1);
  const common: Json[] = [{ nested: true }];
  if (typeof last === "number") return [5, "x", null, ...common];
  switch (last) {
    case "name":
      return path.length === 1 ? ["bad name", "", "x".repeat(250), "..", 7, null] : [7, null, ["h"]];
    case "partitions":
      return path.length === 1 ? [0, -1, 1.5, "2", null, 10_001] : [[], "x", null];
    case "records":
      return [[], "x", null, 3];
    case "key":
      return [5, true, ["k"]];
    case "value":
      return [5, true, ["v"], "\ud800"];
    case "headers":
      return ["h", 5, [5]];
    case "partition":
      return [-1, 1.5, "0", null];
    case "timestamp":
      return [-1, 1.5, "now"];
    case "encoding":
      return ["hex", 5, null];
    case "offset":
      return [-1, 1.5, "first", null];
    case "topic":
      return ["bad topic", "", 5];
    case "maxWaitMs":
      return [20_001, -1, "1"];
    case "maxBytes":
      return [0, 1e12, "1"];
    case "maxRecords":
      return [0, "1", 1e9];
    case "config":
      return ["x", 5, ["retention.ms"]];
    case "retention.ms":
      return ["soon", -5, true];
    default:
      return common;
  }
}

const text = fc.string({ maxLength: 12 });
const header = fc.record({ name: fc.string({ minLength: 1, maxLength: 5 }), value: text });
const record = fc.record(
  {
    key: text,
    value: text,
    headers: fc.array(header, { minLength: 1, maxLength: 2 }),
    partition: fc.constantFrom(0, 1),
    timestamp: fc.nat(),
  },
  { requiredKeys: ["value"] },
);

const produce = fc
  .record({ records: fc.array(record, { minLength: 1, maxLength: 3 }), encoding: fc.constant("utf8") })
  .map((body) => ({ method: "POST", url: "/v1/topics/fuzz/records", body: body as unknown as Json }));
const createTopic = fc
  .record({
    name: fc.stringMatching(/^[a-z]{3,10}$/).map((s) => `new-${s}`),
    partitions: fc.integer({ min: 1, max: 3 }),
    config: fc.constant({ "retention.ms": "60000" }),
  })
  .map((body) => ({ method: "POST", url: "/v1/topics", body: body as Json }));
const fetchMany = fc
  .record({
    partitions: fc.array(
      fc.record({ topic: fc.constant("fuzz"), partition: fc.constantFrom(0, 1), offset: fc.constantFrom(0, 1) }),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
    maxWaitMs: fc.constant(0),
    maxBytes: fc.integer({ min: 1, max: 1_000_000 }),
    maxRecords: fc.integer({ min: 1, max: 100 }),
  })
  .map((body) => ({ method: "POST", url: "/v1/fetch", body: body as Json }));
const updateTopic = fc
  .record({ config: fc.constant({ "retention.ms": "120000" }) })
  .map((body) => ({ method: "PATCH", url: "/v1/topics/fuzz", body: body as Json }));

/** A valid request with one field broken: a wrong value, or an unknown member next to it (not in a config map). */
const broken = breakOneField(
  fc.oneof(produce, createTopic, fetchMany, updateTopic),
  badValues,
  (parent) => fieldName(parent) !== "config",
);

it("a request with one broken field is a 4xx problem naming it, and changes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(broken, (req) => expectRejectedUnchanged(api, req, snapshot)),
    { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? 20240501) },
  );
});

it("broken query parameters of a fetch are 400s naming the parameter", async () => {
  const valid = { offset: "0", maxRecords: "10", maxBytes: "1000", maxWaitMs: "0", encoding: "utf8" };
  const bad: Record<string, string[]> = {
    offset: ["-1", "first", "1.5", ""],
    maxRecords: ["0", "x", "1e3"],
    maxBytes: ["0", "99999999999"],
    maxWaitMs: ["20001", "-5"],
    encoding: ["hex", ""],
  };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(bad)), fc.nat(), async (name, pick) => {
      const values = bad[name]!;
      const query = new URLSearchParams({ ...valid, [name]: values[pick % values.length]! });
      const res = await api.get(`/v1/topics/fuzz/partitions/0/records?${query}`);
      expect(res.status, `${query}`).toBe(400);
      expect(res.body.field).toBe(name);
    }),
    { numRuns: 40 },
  );
});
