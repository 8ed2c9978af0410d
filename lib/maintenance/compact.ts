import type { PartitionHead, TopicRecord } from "../log/entries.js";
import type { Context } from "./context.js";
import type { Lease } from "./lease.js";
import type { PartitionRef } from "./swap.js";

export async function compactPartition(
  _ctx: Context,
  _lease: Lease,
  _topic: TopicRecord,
  _p: PartitionRef,
  _head: PartitionHead,
): Promise<{ compacted: boolean; nextDue?: number }> {
  return { compacted: false };
}
