/** The one error-to-problem table: what a 5xx may tell a caller, and what it never does. */
import { describe, expect, it } from "vitest";
import { problemFromError } from "../../../lib/api/problem.js";
import { StrataError } from "../../../lib/errors.js";

describe("problemFromError", () => {
  it("says where corrupt data is, not retriable, without the storage's own keys", () => {
    const error = new StrataError("CORRUPT_DATA", "pack 7 at 4096: bad CRC of partition head h#abc#0", {
      details: { topic: "orders", partition: 0, offset: 40, nextOffset: 50, pk: "h#abc", sk: "0", path: "/data/x" },
    });
    const problem = problemFromError(error);
    expect(problem).toMatchObject({ status: 500, retriable: false, topic: "orders", offset: 40, nextOffset: 50 });
    expect(problem).not.toHaveProperty("pk");
    expect(problem).not.toHaveProperty("sk");
    expect(problem).not.toHaveProperty("path");
    expect(JSON.stringify(problem)).not.toContain("pack 7");
  });

  it("gives a retriable 5xx no internals at all", () => {
    const problem = problemFromError(new StrataError("INTERNAL", "secret path /x", { details: { pk: "p" } }));
    expect(problem).not.toHaveProperty("pk");
    expect(JSON.stringify(problem)).not.toContain("secret");
  });
});
