/**
 * The ledgers the group tests run on, both the real SqliteLedger: in memory (":memory:", fast enough for many
 * property runs) and in a temp directory (the embedded backend as it runs). Faults are injected by wrapping the
 * Ledger port (test/support/instrument.ts), never by a second implementation of the ledger's semantics.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ledger } from "../../../lib/storage/ledger.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";

export interface LedgerFactory {
  name: string;
  open(): Promise<{ ledger: Ledger; close(): Promise<void> }>;
}

const memory: LedgerFactory = {
  name: "sqlite in memory",
  async open() {
    const ledger = new SqliteLedger({ path: ":memory:" });
    return { ledger, close: () => ledger.close() };
  },
};

const disk: LedgerFactory = {
  name: "sqlite",
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "strata-groups-"));
    const ledger = new SqliteLedger({ path: join(dir, "ledger.db") });
    return {
      ledger,
      close: async () => {
        await ledger.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const ledgerFactories: LedgerFactory[] = [memory, disk];
