/**
 * Collecting a deleted topic: lib/log/topics.ts fences every head (`deleted`), removes the topic item and leaves a
 * `gc / topic#<id>` item. Here, per partition and under its lease: every index entry goes with its ref (objects to
 * the trash), then producer states, the head and the lease; the gc item goes last, so a crash anywhere just means
 * the next run carries on.
 */
import { entryFromItem } from "../log/entries.js";
import { batchPk, headKey } from "../log/keys.js";
import { MAX_TRANSACTION_ITEMS } from "../storage/ledger.js";
import type { Context } from "./context.js";
import { gcPk, leaseKey } from "./keys.js";
import { Lease } from "./lease.js";
import { dropEntries } from "./swap.js";

export interface GcJob {
  topicId: string;
  partitions: number;
}

/** Returns true when the whole topic is collected. */
export async function collectTopic(ctx: Context, job: GcJob): Promise<boolean> {
  let complete = true;
  for (let partition = 0; partition < job.partitions; partition++) {
    if (!(await collectPartition(ctx, job.topicId, partition))) complete = false;
  }
  if (complete) await ctx.ledger.write({ type: "delete", key: { pk: gcPk, sk: `topic#${job.topicId}` } });
  return complete;
}

async function collectPartition(ctx: Context, topicId: string, partition: number): Promise<boolean> {
  const lease = await Lease.acquire(ctx, topicId, partition);
  if (!lease) return false;
  try {
    return await collectLeased(ctx, lease, topicId, partition);
  } finally {
    lease.stop(); // the lease item is deleted on success; on a failure it ends within leaseMs
  }
}

async function collectLeased(ctx: Context, lease: Lease, topicId: string, partition: number): Promise<boolean> {
  const p = { topicId, partition };
  for (;;) {
    const items = await ctx.ledger.query(batchPk(topicId, partition), { limit: 300 });
    if (items.length === 0) break;
    const entries = items.map(entryFromItem);
    // The head is fenced (deleted) already; dropEntries' head update would fail on it, so drop without it.
    const dropped = await dropEntries(ctx, lease, p, entries, { adjustHead: false });
    if (dropped < entries.length) return false;
  }
  for (const pk of [`ps#${topicId}#${partition}`]) {
    const states = await ctx.ledger.query(pk);
    for (let i = 0; i < states.length; i += MAX_TRANSACTION_ITEMS - 1) {
      const chunk = states.slice(i, i + MAX_TRANSACTION_ITEMS - 1);
      await lease.transact(chunk.map((s) => ({ type: "delete", key: { pk: s.pk, sk: s.sk } })));
    }
  }
  await lease.transact([{ type: "delete", key: headKey(topicId, partition) }]);
  await ctx.ledger.write({
    type: "delete",
    key: leaseKey(topicId, partition),
    condition: { op: "eq", attr: "token", value: lease.token },
  });
  return true;
}
