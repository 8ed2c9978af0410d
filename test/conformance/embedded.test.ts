/** Both conformance suites on the embedded backend: FsObjectStore and SqliteLedger in temp directories. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore } from "../../lib/storage/fs-object-store.js";
import { SqliteLedger } from "../../lib/storage/sqlite-ledger.js";
import { ledgerConformance } from "./ledger-suite.js";
import { objectStoreConformance } from "./object-store-suite.js";

const tempDir = () => mkdtemp(join(tmpdir(), "strata-conformance-"));

objectStoreConformance("FsObjectStore", async () => {
  const root = await tempDir();
  return { store: new FsObjectStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
});

ledgerConformance("SqliteLedger", async () => {
  const dir = await tempDir();
  const ledger = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
  return { ledger, cleanup: () => rm(dir, { recursive: true, force: true }) };
});
