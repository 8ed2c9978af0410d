/** Asserts that decoding a ledger item failed as a malformed item must: CORRUPT_DATA, not retriable, naming its key. */
import { expect } from "vitest";
import { StrataError } from "../../lib/errors.js";

export function expectCorruptItem(decode: () => unknown, key: { pk: string; sk: string }): void {
  let error: unknown;
  try {
    decode();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StrataError);
  const e = error as StrataError;
  expect(e.code).toBe("CORRUPT_DATA");
  expect(e.retriable).toBe(false);
  expect(e.details).toMatchObject({ pk: key.pk, sk: key.sk });
  expect(e.message).toContain(key.pk);
  expect(e.message).toContain(key.sk);
}
