/**
 * Locations of bad input (lib/errors.ts): an error raised at a Location by an inner step (the format's encoder, a
 * batch check) is re-raised by its caller at the place only the caller knows, the same error otherwise.
 */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, locationOf, relocated, StrataError } from "../../lib/errors.js";

describe("relocated", () => {
  it("re-raises a located error at the caller's place for it, keeping the error", () => {
    const inner = new InvalidArgumentError(
      { record: 1, member: "timestamp" },
      "timestamp too far from the first record's",
    );
    const indices = [0, 4];
    let thrown: unknown;
    try {
      relocated(
        () => {
          throw inner;
        },
        ({ record, ...at }) => ({ input: 2, ...at, ...(record === undefined ? {} : { record: indices[record]! }) }),
      );
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(inner);
    expect(locationOf(thrown)).toEqual({ input: 2, record: 4, member: "timestamp" });
    expect(inner.field).toBeUndefined();
  });

  it("leaves errors without a location alone and returns what the step returns", () => {
    const named = new InvalidArgumentError("compression", "codec 7 is not supported");
    expect(() =>
      relocated(
        () => {
          throw named;
        },
        () => ({ input: 0 }),
      ),
    ).toThrow(named);
    expect(named.details).toEqual({ field: "compression" });
    expect(locationOf(new StrataError("INTERNAL", "x"))).toBeUndefined();
    expect(
      relocated(
        () => 3,
        () => ({}),
      ),
    ).toBe(3);
  });
});
