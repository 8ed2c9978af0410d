/**
 * A promise's outcome as a comparable string: "ok", the StrataError's code, or what else was thrown. Unlike
 * expect.ts's codeOf, a foreign error is an answer to compare, not an assertion failure.
 */
import { StrataError } from "../../lib/errors.js";

export const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof StrataError ? e.code : `not a StrataError: ${String(e)}`),
  );
