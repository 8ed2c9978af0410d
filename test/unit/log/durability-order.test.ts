/**
 * kill -9 cannot tell whether an fsync happened, so the order is asserted through the ports: for an
 * acknowledged produce on the embedded backend, the object's pack is synced (and, for a new pack, its directory)
 * BEFORE the ledger commit starts, and the produce answers only after the commit (which SQLite runs with
 * synchronous=FULL) returned.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createLog } from "../../../lib/log/log.js";
import { osSync } from "../../../lib/storage/fsync.js";
import { PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";
import { instrument } from "../../support/instrument.js";

it("syncs the pack (and a new pack's directory) before the commit, and answers after it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-order-"));
  const events: string[] = [];
  try {
    const store = await PackObjectStore.open({
      root: join(dir, "packs"),
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
    // the first put creates the pack: its directory entry, then the data, then the commit
    expect(events).toEqual(["sync dir", "sync file", "ledger transact", "answered"]);
    expect(events.at(-1)).toBe("answered");
    await log.close();
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
