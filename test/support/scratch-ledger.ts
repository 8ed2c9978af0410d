/**
 * What the hostile-review reproductions share beyond the pack helpers: an outcome as a comparable string, a
 * scratch SqliteLedger per test, and deeply nested attribute values.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StrataError } from "../../lib/errors.js";
import type { AttrValue } from "../../lib/storage/ledger.js";
import { SqliteLedger } from "../../lib/storage/sqlite-ledger.js";

/** "ok", the StrataError's code, or what else was thrown */
export const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof StrataError ? e.code : `not a StrataError: ${String(e)}`),
  );

/** A SqliteLedger in a directory of its own (fsync never: these tests are about logic, not the disk). */
export async function scratchLedger(name: string): Promise<{ ledger: SqliteLedger; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `strata-${name}-`));
  const ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite"), fsync: "never" });
  return {
    ledger,
    async cleanup() {
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** 1 wrapped in `depth` arrays */
export function nestedArrays(depth: number): AttrValue {
  let v: AttrValue = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
