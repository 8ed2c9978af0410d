/**
 * Finding the data for an offset costs the same few requests whether a partition holds 10 or 100,000 index
 * entries: one ordered query (entries are keyed by their last offset) and one head read, never a scan.
 */
import { describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../lib/format/record-batch.js";
import { batchKey, headKey } from "../../lib/log/keys.js";
import { createLog } from "../../lib/log/log.js";
import type { WriteOp } from "../../lib/storage/ledger.js";
import { backends } from "../support/backends.js";
import { instrument } from "../support/instrument.js";

const enc = new TextEncoder();

describe.each(backends)("offset lookup cost on $name", (backend) => {
  it("is the same for a small and a large partition", { timeout: 300_000 }, async () => {
    const storage = await backend.open();
    try {
      const log = createLog({ ledger: storage.ledger, store: storage.store });
      const large = backend.name === "embedded" ? 100_000 : 3_000;
      const counts: Record<number, Record<string, number>> = {};
      for (const size of [10, large]) {
        const topic = `lookup-${size}-${Date.now().toString(36)}`;
        const d = await log.createTopic(topic, 1);
        // One object holding one single-record batch; `size` entries point at it, one per offset. This is the
        // index shape of a partition with `size` segments, without writing `size` objects.
        const object = `incoming/fixture/${d.id}/one.batches`;
        const batch = encodeRecordBatch([{ key: null, value: enc.encode("v"), headers: [], timestamp: 1000 }]);
        await storage.store.put(object, batch);
        const ops: WriteOp[] = [];
        for (let o = 0; o < size; o++) {
          ops.push({
            type: "put",
            key: batchKey(d.id, 0, o),
            attrs: { base: o, object, pos: 0, len: batch.length, count: 1, maxTs: 1000, tsHigh: 1000 },
          });
        }
        for (let i = 0; i < ops.length; i += 99) await storage.ledger.transact(ops.slice(i, i + 99));
        await storage.ledger.write({ type: "update", key: headKey(d.id, 0), set: { next: size, maxTs: 1000 } });

        const ledger = instrument(storage.ledger);
        const store = instrument(storage.store);
        const reader = createLog({ ledger, store });
        await reader.describeTopic(topic);
        ledger.calls.length = 0;
        store.calls.length = 0;
        const wanted = size - 3;
        const read = await reader.fetch(topic, 0, { offset: wanted, maxRecords: 1 });
        expect(read.records.map((r) => r.offset)).toEqual([wanted]);
        const byMethod: Record<string, number> = {};
        for (const c of [...ledger.calls, ...store.calls]) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
        counts[size] = byMethod;
      }
      expect(counts[10]).toEqual({ get: 2, query: 1 });
      expect(counts[large]).toEqual(counts[10]);
    } finally {
      await storage.cleanup();
    }
  });
});
