/**
 * The edge's naming of domain locations (lib/api/fields.ts): one Location, the request field of each route's
 * shape, and the error answered with that field where it had the location, its other details in their order.
 */
import { describe, expect, it } from "vitest";
import { inRequest, requestField } from "../../../lib/api/fields.js";
import { problemFromError } from "../../../lib/api/problem.js";
import { InvalidArgumentError, type Location, StrataError } from "../../../lib/errors.js";

describe("requestField", () => {
  const cases: [Location, string, string][] = [
    [{}, "records", "body"],
    [{ record: 2 }, "records[2]", "body.records[2]"],
    [{ record: 2, member: "key" }, "records[2].key", "body.records[2].key"],
    [{ record: 0, member: "partition" }, "records[0].partition", "body.records[0].partition"],
    // a member of the producer identity: top-level JSON members, or query parameters of the binary route
    [{ member: "producerId", partition: 1 }, "producerId", "producerId"],
    [{ member: "baseSequence", partition: 4 }, "baseSequences.4", "baseSequence"],
  ];
  it.each(cases)("names %j as %s (JSON records) and %s (binary body)", (at, records, body) => {
    expect(requestField("records", at)).toBe(records);
    expect(requestField("body", at)).toBe(body);
  });

  // only binary input has entries and batches: a body is the input's one entry
  const binary: [Location, string][] = [
    [{ input: 0 }, "body"],
    [{ input: 0, batch: 1 }, "body.batch[1]"],
    [{ input: 0, batch: 0, member: "maxTimestamp" }, "body.batch[0].maxTimestamp"],
    [{ input: 0, batch: 0, record: 3, member: "timestamp" }, "body.batch[0].records[3].timestamp"],
    [{ input: 0, member: "producerId" }, "body.producerId"],
  ];
  it.each(binary)("names %j as %s in a binary body", (at, body) => {
    expect(requestField("body", at)).toBe(body);
  });
});

describe("inRequest", () => {
  const failing = (e: unknown) => inRequest("body", () => Promise.reject(e));

  it("answers a located error with the field in place of the location, other details kept in order", async () => {
    const e = new StrataError("RECORD_TOO_LARGE", "record is 2000 bytes encoded", {
      details: { at: { input: 0, batch: 0, record: 1 }, size: 2000, limit: 1000 },
    });
    await expect(failing(e)).rejects.toBe(e);
    expect(e.details).toEqual({ field: "body.batch[0].records[1]", size: 2000, limit: 1000 });
    expect(Object.keys(e.details)).toEqual(["field", "size", "limit"]);
    expect(JSON.stringify(problemFromError(e))).toBe(
      '{"field":"body.batch[0].records[1]","size":2000,"limit":1000,"type":"urn:strata:problem:record-too-large",' +
        '"title":"Record too large","status":413,"detail":"record is 2000 bytes encoded"}',
    );
  });

  it("keeps an invalid argument's class, code and message", async () => {
    const e = new InvalidArgumentError({ input: 0, batch: 0 }, "batch CRC mismatch");
    const thrown = await failing(e).catch((x: unknown) => x);
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect([e.code, e.message, e.field, e.details.at]).toEqual([
      "INVALID_ARGUMENT",
      "batch CRC mismatch",
      "body.batch[0]",
      undefined,
    ]);
  });

  it("leaves an error without a location, and a result, as they are", async () => {
    const named = new InvalidArgumentError("partition", "partition must be a non-negative integer");
    await expect(failing(named)).rejects.toBe(named);
    expect(named.details).toEqual({ field: "partition" });
    const plain = new Error("boom");
    await expect(failing(plain)).rejects.toBe(plain);
    expect(await inRequest("records", async () => 7)).toBe(7);
  });
});
