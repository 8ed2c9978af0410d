/**
 * A scratch SqliteLedger per test (in a directory of its own, removed by cleanup), and deeply nested attribute
 * values for the depth limits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttrValue } from "../../lib/storage/ledger.js";
import { SqliteLedger } from "../../lib/storage/sqlite-ledger.js";

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
