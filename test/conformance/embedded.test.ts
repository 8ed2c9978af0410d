/** Both conformance suites on the embedded backend: PackObjectStore (and the older FsObjectStore) and SqliteLedger, in temp directories and in memory (as the group tests use it). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore } from "../../lib/storage/fs-object-store.js";
import { PackObjectStore } from "../../lib/storage/pack-object-store.js";
import { SqliteLedger } from "../../lib/storage/sqlite-ledger.js";
import { ledgerConformance } from "./ledger-suite.js";
import { objectStoreConformance } from "./object-store-suite.js";

const tempDir = () => mkdtemp(join(tmpdir(), "strata-conformance-"));

objectStoreConformance("FsObjectStore", async () => {
  const root = await tempDir();
  return { store: new FsObjectStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
});

objectStoreConformance("PackObjectStore", async () => {
  const root = await tempDir();
  // small packs, so the suite also crosses pack boundaries
  const store = await PackObjectStore.open({ root, packBytes: 256 * 1024 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

ledgerConformance("SqliteLedger", async () => {
  const dir = await tempDir();
  const ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
  return { ledger, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

ledgerConformance("SqliteLedger in memory", async () => {
  const ledger = new SqliteLedger({ path: ":memory:" });
  return { ledger, cleanup: () => ledger.close() };
});
