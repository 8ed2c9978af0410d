/**
 * [maintenance] figures: merging a partition of 10,000 small batches (time, storage requests, objects and index
 * entries before and after), and the requests of an idle maintenance run over 1,000 partitions. Requests are
 * counted at the ports, so they are the same on both backends' adapters (each port call is one S3 or DynamoDB
 * request, query pages aside).
 */
import { createMaintenance } from "../lib/maintenance/maintain.js";
import { ManualClock } from "../lib/storage/clock.js";
import type { ObjectStore } from "../lib/storage/object-store.js";
import { createStrata } from "../lib/strata.js";
import { instrument } from "../test/support/instrument.js";
import { awsBackend, type BenchBackend, embeddedBackend, now, round } from "./support.js";

async function countObjects(store: ObjectStore, prefix: string): Promise<number> {
  let n = 0;
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list(prefix, startAfter ? { startAfter } : {});
    n += page.objects.length;
    if (!page.next) return n;
    startAfter = page.next;
  }
}

function tally(calls: { method: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.method] = (out[c.method] ?? 0) + 1;
  return out;
}

async function merge(backend: BenchBackend, batches: number) {
  const clock = new ManualClock(Date.now());
  const { log } = await createStrata({ storage: { backend: "opened", storage: backend }, clock });
  const topic = `merge-${Date.now().toString(36)}`;
  const d = await log.createTopic(topic, 1);
  const value = new Uint8Array(1024).fill(7);
  for (let i = 0; i < batches; i++) {
    await log.produce(topic, [{ key: null, value, partition: 0 }]);
    if (i % 100 === 0) clock.advance(1000);
  }
  const entriesBefore = (await backend.ledger.query(`b#${d.id}#0`)).length;
  const objectsBefore = await countObjects(backend.store, "incoming/");
  const readAll = async () => {
    const out: unknown[] = [];
    for (let offset = 0; offset < batches; ) {
      const r = await log.fetch(topic, 0, { offset, maxRecords: 10_000 });
      out.push(...r.records.map((x) => [x.offset, x.timestamp, Buffer.from(x.value!).toString("base64")]));
      offset = r.nextOffset;
    }
    return JSON.stringify(out);
  };
  const before = await readAll();

  clock.advance(10 * 60_000); // past the settle time
  const ledger = instrument(backend.ledger);
  const store = instrument(backend.store);
  const maintenance = createMaintenance({ ledger, store, clock });
  const t0 = now();
  let passes = 0;
  for (; passes < 50; passes++) {
    const { reports } = await maintenance.maintain();
    const merged = reports.reduce((n, r) => n + ("merged" in r ? r.merged : 0), 0);
    if (merged === 0 && passes > 0) break;
  }
  const mergeMs = now() - t0;
  const mergeRequests = { ledger: tally(ledger.calls), objects: tally(store.calls) };
  // After the grace period the replaced objects go.
  clock.advance(60 * 60_000);
  await maintenance.maintain();
  await maintenance.maintain();
  // Fetch answers are identical before and after: same offsets, same records, same order.
  if ((await readAll()) !== before) throw new Error("merging changed what fetch returns");
  return {
    batches,
    seconds: round(mergeMs / 1000),
    passes,
    requests: mergeRequests,
    entriesBefore,
    entriesAfter: (await backend.ledger.query(`b#${d.id}#0`)).length,
    objectsBefore,
    objectsAfter: (await countObjects(backend.store, "incoming/")) + (await countObjects(backend.store, "segments/")),
  };
}

async function idle(backend: BenchBackend, partitions: number) {
  const clock = new ManualClock(Date.now());
  const { log } = await createStrata({ storage: { backend: "opened", storage: backend }, clock });
  for (let t = 0; t < partitions / 100; t++) await log.createTopic(`idle-${t}-${Date.now().toString(36)}`, 100);
  const ledger = instrument(backend.ledger);
  const store = instrument(backend.store);
  const maintenance = createMaintenance({ ledger, store, clock });
  await maintenance.maintain(); // settles cursors
  clock.advance(60_000);
  ledger.calls.length = 0;
  store.calls.length = 0;
  await maintenance.maintain();
  return { partitions, ledger: tally(ledger.calls), objects: tally(store.calls) };
}

export async function benchMaintenance(quick: boolean) {
  const out: Record<string, unknown> = {};
  const embedded = await embeddedBackend();
  try {
    out.embedded = { merge: await merge(embedded, quick ? 1000 : 10_000), idle: await idle(embedded, 1000) };
  } finally {
    await embedded.close();
  }
  const aws = await awsBackend();
  try {
    out.aws = { merge: await merge(aws, quick ? 200 : 1000), idle: await idle(aws, quick ? 200 : 1000) };
  } finally {
    await aws.close();
  }
  return out;
}
