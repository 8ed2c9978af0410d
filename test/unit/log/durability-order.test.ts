/**
 * kill -9 cannot tell whether an fsync happened, so the order is asserted through the ports: for an
 * acknowledged produce on the embedded backend, the object's data is synced, renamed into place and its
 * directory synced BEFORE the ledger commit starts, and the produce answers only after the commit (which SQLite
 * runs with synchronous=FULL) returned.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createLog } from "../../../lib/log/log.js";
import { FsObjectStore } from "../../../lib/storage/fs-object-store.js";
import { osSync } from "../../../lib/storage/fsync.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { instrument } from "../../support/instrument.js";

it("syncs the segment file and its directory before the commit, and answers after it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-order-"));
  const events: string[] = [];
  try {
    const store = new FsObjectStore({
      root: join(dir, "objects"),
      sync: {
        file: async (h) => {
          events.push("sync file");
          await osSync.file(h);
        },
        dir: async (p) => {
          events.push(`sync dir`);
          await osSync.dir(p);
        },
      },
    });
    const sqlite = new SqliteLedger({ path: join(dir, "ledger.sqlite") });
    const ledger = instrument(sqlite, { onCall: (c) => events.push(`ledger ${c.method}`) });
    const log = createLog({ ledger, store });
    await log.createTopic("durable", 1);
    await log.describeTopic("durable");
    events.length = 0;
    const res = await log.produce("durable", [{ key: null, value: new TextEncoder().encode("v"), partition: 0 }]);
    events.push("answered");
    expect(res.failed).toBe(0);
    const firstFileSync = events.indexOf("sync file");
    const lastDirSync = events.lastIndexOf("sync dir");
    const commit = events.indexOf("ledger transact");
    expect(firstFileSync).toBeGreaterThanOrEqual(0);
    expect(lastDirSync).toBeGreaterThan(firstFileSync);
    expect(commit).toBeGreaterThan(lastDirSync);
    expect(events.at(-1)).toBe("answered");
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
