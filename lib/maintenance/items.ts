/**
 * Checked views of the maintenance items read from the ledger besides the lease (lease.ts): trash and pending
 * marks, and the gc item a topic deletion leaves. A malformed item is CORRUPT_DATA naming its key, never a NaN
 * that would make a mark look old enough to act on.
 */
import { z } from "zod";
import type { Item } from "../storage/ledger.js";
import { decodeItem } from "../util/ledger-item.js";

/** A trash or pending mark: when it was written, and the token of the write (trash marks only). */
export interface ObjectMark {
  at: number;
  token?: string;
}

const markAttrs = z.object({ at: z.number(), token: z.string().optional() });

export function markFromItem(item: Item): ObjectMark {
  return decodeItem(markAttrs, item, "object mark");
}

/** What a deleted topic left to collect: its id and how many partitions it had. */
export interface GcMark {
  topicId: string;
  partitions: number;
}

const gcAttrs = z.object({ topicId: z.string(), partitions: z.number().int().nonnegative() });

export function gcMarkFromItem(item: Item): GcMark {
  const { topicId, partitions } = decodeItem(gcAttrs, item, "topic gc mark");
  return { topicId, partitions };
}
