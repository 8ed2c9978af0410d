/** Assertions shared by the domain scenarios. */
import { expect } from "vitest";
import { type ErrorCode, StrataError } from "../../lib/errors.js";

/** Awaits `p`, which must reject with a StrataError of `code`; returns it for further checks. */
export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe(code);
    return e as StrataError;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

/**
 * The code of the StrataError `p` rejects with, or undefined when it succeeds: for tests that compare codes
 * (`expect(await codeOf(p)).toBe("...")`) or accept success as one of the outcomes.
 */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as StrataError).code;
  }
}

/** The StrataError `p` rejects with, whatever its code; fails the test when `p` succeeds. */
export async function rejected(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    return e as StrataError;
  }
  throw new Error("expected a rejection");
}
