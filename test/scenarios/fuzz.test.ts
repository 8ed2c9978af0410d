/**
 * Fuzzing the edge (fast-check): take valid requests, break exactly one field, and send them to a real
 * server. Every answer must be a 4xx application/problem+json whose `field` names the broken field (or a
 * member inside it), never a 5xx, and the state read back before and after must be identical: a rejected
 * request changes nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BATCHES_MEDIA_TYPE, MAX_RECORDS_PER_BATCH } from "../../lib/contract.js";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { Compression, type RecordInput } from "../../lib/format/types.js";
import { breakOneField, expectRejectedUnchanged, fieldName, type Json, type Path } from "../support/broken-field.js";
import { type Client, client, sendRaw, startTestServer, type TestServer } from "./http-support.js";

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

/** 2^53, the first integer past Number.MAX_SAFE_INTEGER: 2^53 + 1 would parse to it, so neither may be accepted */
const UNSAFE = 2 ** 53;

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
      return [-1, 1.5, "0", null, UNSAFE];
    case "timestamp":
      return [-1, 1.5, "now", UNSAFE, 1e300];
    case "encoding":
      return ["hex", 5, null];
    case "offset":
      return [-1, 1.5, "first", null, UNSAFE];
    case "topic":
      return ["bad topic", "", 5];
    case "maxWaitMs":
      return [20_001, -1, "1", UNSAFE];
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
    offset: ["-1", "first", "1.5", "", "9007199254740993", "9007199254740992"],
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

/**
 * The JSON text of `body` with one member added first to the object at `objectPath`: a copy of the object's first
 * member under its own name (a duplicate), or under `__proto__`. Answers the text and the field that names it.
 */
function injectMember(body: Json, objectPath: Path, as: "duplicate" | "__proto__") {
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  let at: Json = copy;
  for (const step of objectPath) at = (at as Record<string, Json>)[step as string] as Json;
  const original = at as Record<string, Json>;
  const name = Object.keys(original)[0];
  if (name === undefined) return undefined;
  const marker = "__injected_member_marker__";
  const rebuilt: Record<string, Json> = { [marker]: original[name]! };
  Object.assign(rebuilt, original);
  for (const k of Object.keys(original)) delete original[k];
  Object.assign(original, rebuilt);
  const member = as === "duplicate" ? name : "__proto__";
  const prefix = objectPath.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
  return {
    text: JSON.stringify(copy).replace(`"${marker}"`, JSON.stringify(member)),
    field: prefix ? `${prefix}.${member}` : member,
  };
}

/** Paths of every object inside a value (the root included). */
function objectPaths(value: Json, at: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [];
  const here = Array.isArray(value) ? [] : [at];
  const inner = Array.isArray(value)
    ? value.flatMap((v, i) => objectPaths(v, [...at, i]))
    : Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...at, k]));
  return [...here, ...inner];
}

it("a JSON body with a member given twice or a __proto__ member is a 400 naming it, and changes nothing", async () => {
  const withDuplicate = fc
    .oneof(produce, createTopic, fetchMany, updateTopic)
    .chain((req) => fc.constantFrom(...objectPaths(req.body)).map((path) => ({ req, path })));
  await fc.assert(
    fc.asyncProperty(withDuplicate, fc.boolean(), async ({ req, path }, proto) => {
      const injected = injectMember(req.body, path, proto ? "__proto__" : "duplicate");
      if (!injected) return;
      const { text, field } = injected;
      const before = await snapshot();
      const res = await sendRaw(server.url, req.method, req.url, { "content-type": "application/json" }, text);
      const what = `${req.method} ${req.url} ${text} -> ${res.status} ${JSON.stringify(res.body)}`;
      expect(res.status, what).toBe(400);
      expect(String(res.body.field), what).toBe(field);
      expect(await snapshot(), what).toEqual(before);
    }),
    { numRuns: 60, seed: Number(process.env.FUZZ_SEED ?? 20240501) },
  );
});

it("a valid request a web page could send (no JSON type, a foreign origin or a rebound host) is refused and changes nothing", async () => {
  const { host } = new URL(server.url);
  const framings: Record<string, { headers: Record<string, string>; status: number }> = {
    "no content type": { headers: { host }, status: 415 },
    "text/plain": { headers: { host, "content-type": "text/plain" }, status: 415 },
    "form encoded": { headers: { host, "content-type": "application/x-www-form-urlencoded" }, status: 415 },
    "foreign origin": {
      headers: { host, "content-type": "application/json", origin: "https://evil.example" },
      status: 403,
    },
    "cross-site fetch": {
      headers: { host, "content-type": "application/json", "sec-fetch-site": "cross-site" },
      status: 403,
    },
    "rebound host": { headers: { host: "rebind.evil.example", "content-type": "application/json" }, status: 421 },
  };
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(produce, createTopic, updateTopic),
      fc.constantFrom(...Object.keys(framings)),
      async (req, how) => {
        const { headers, status } = framings[how]!;
        const before = await snapshot();
        const res = await sendRaw(server.url, req.method, req.url, headers, JSON.stringify(req.body));
        const what = `${how}: ${req.method} ${req.url} -> ${res.status} ${JSON.stringify(res.body)}`;
        expect(res.status, what).toBe(status);
        expect(String(res.headers["content-type"]), what).toContain("application/problem+json");
        expect(await snapshot(), what).toEqual(before);
      },
    ),
    { numRuns: 40, seed: Number(process.env.FUZZ_SEED ?? 20240501) },
  );
});

it("a binary produce holding a batch of more records than the limit is a 400 naming that batch, and changes nothing", async () => {
  const batch = (count: number, compression: (typeof Compression)[keyof typeof Compression]) =>
    encodeRecordBatch(new Array<RecordInput>(count).fill({ key: null, value: null, headers: [], timestamp: 1 }), {
      compression,
    });
  const body = fc.record({
    before: fc.integer({ min: 0, max: 2 }),
    extra: fc.integer({ min: 1, max: 5_000 }),
    compression: fc.constantFrom(Compression.none, Compression.gzip),
  });
  await fc.assert(
    fc.asyncProperty(body, async ({ before, extra, compression }) => {
      const parts = [...Array.from({ length: before }, () => batch(3, compression))];
      parts.push(batch(MAX_RECORDS_PER_BATCH + extra, compression));
      const bytes = Buffer.concat(parts);
      const snap = await snapshot();
      const res = await api.post("/v1/topics/fuzz/partitions/0/records", bytes, { "content-type": BATCHES_MEDIA_TYPE });
      const what = `${before} good batches, then ${MAX_RECORDS_PER_BATCH + extra} records -> ${JSON.stringify(res.body)}`;
      expect(res.status, what).toBe(400);
      expect(res.body.field, what).toBe(`body.batch[${before}]`);
      expect(await snapshot(), what).toEqual(snap);
    }),
    { numRuns: 12, seed: Number(process.env.FUZZ_SEED ?? 20240501) },
  );
});
