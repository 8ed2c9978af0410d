/**
 * The ledgers the group tests run on: the in-memory one always, and the real SqliteLedger when it is
 * present in this checkout (it lands in lib/storage/sqlite-ledger.ts).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ledger } from "../../../lib/storage/ledger.js";
import { MemoryLedger } from "./memory-ledger.js";

export interface LedgerFactory {
  name: string;
  open(): Promise<{ ledger: Ledger; close(): Promise<void> }>;
}

const memory: LedgerFactory = {
  name: "memory",
  open: async () => ({ ledger: new MemoryLedger(), close: async () => {} }),
};

const sqlitePath = new URL("../../../lib/storage/sqlite-ledger.ts", import.meta.url);

const sqlite: LedgerFactory = {
  name: "sqlite",
  async open() {
    // A variable specifier: this file compiles before the adapter exists.
    const modulePath = "../../../lib/storage/sqlite-ledger.js";
    const { SqliteLedger } = (await import(/* @vite-ignore */ modulePath)) as {
      SqliteLedger: new (o: { path: string }) => Ledger;
    };
    const dir = mkdtempSync(join(tmpdir(), "strata-groups-"));
    const ledger = new SqliteLedger({ path: join(dir, "ledger.db") });
    return {
      ledger,
      close: async () => {
        await ledger.close?.();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const ledgerFactories: LedgerFactory[] = existsSync(sqlitePath) ? [memory, sqlite] : [memory];
