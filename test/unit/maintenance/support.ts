/** Helpers shared by the maintenance scenarios: read a whole partition, look at its index, list its objects. */
import { entryFromItem } from "../../../lib/log/entries.js";
import { batchPk } from "../../../lib/log/keys.js";
import type { Log } from "../../../lib/log/log.js";
import type { Ledger } from "../../../lib/storage/ledger.js";
import type { ObjectStore } from "../../../lib/storage/object-store.js";

const dec = new TextDecoder();

export interface Seen {
  offset: number;
  value: string | null;
  key: string | null;
  timestamp: number;
}

/** Every record from the log start to the highWatermark, fetched in small pages (exercises many start points). */
export async function readAll(log: Log, topic: string, partition = 0, maxRecords = 7) {
  const first = await log.fetch(topic, partition, { offset: "earliest", maxRecords });
  const out: Seen[] = [];
  let r = first;
  for (;;) {
    for (const x of r.records) {
      out.push({
        offset: x.offset,
        value: x.value === null ? null : dec.decode(x.value),
        key: x.key === null ? null : dec.decode(x.key),
        timestamp: x.timestamp,
      });
    }
    if (r.nextOffset >= r.highWatermark) break;
    const from = r.nextOffset;
    r = await log.fetch(topic, partition, { offset: from, maxRecords });
    if (r.records.length === 0 && r.nextOffset <= from) {
      throw new Error(`fetch from ${from} made no progress (highWatermark ${r.highWatermark})`);
    }
  }
  return { records: out, logStartOffset: first.logStartOffset, highWatermark: r.highWatermark };
}

export async function indexEntries(ledger: Ledger, topicId: string, partition = 0) {
  return (await ledger.query(batchPk(topicId, partition))).map(entryFromItem);
}

export async function listAll(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.list(prefix, after ? { startAfter: after } : {});
    keys.push(...page.objects.map((o) => o.key));
    if (!page.next) return keys;
    after = page.next;
  }
}

/** Objects of a topic that no index entry references (what the sweep must eventually delete). */
export async function unreferenced(ledger: Ledger, store: ObjectStore, topicId: string): Promise<string[]> {
  const keys = [
    ...(await listAll(store, "incoming/")).filter((k) => k.includes(`/${topicId}/`)),
    ...(await listAll(store, `segments/${topicId}/`)),
  ];
  const out: string[] = [];
  for (const k of keys) if ((await ledger.query(`ref#${k}`, { limit: 1 })).length === 0) out.push(k);
  return out;
}
