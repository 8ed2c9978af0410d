/**
 * Where subscriptions live in the ledger, with checked decoders (a malformed item is CORRUPT_DATA naming its key):
 *
 *   pk "subscriptions",  sk <name>                          the declaration (Subscription), one query lists all
 *   pk "sub#<name>",     sk "l#<topic>#<partition:10>"      a partition's delivery lease: owner token, until (ms)
 *
 * The group's committed offsets (lib/groups) are the subscription's progress; nothing else is stored.
 */
import { z } from "zod";
import type { Attrs, Item, ItemKey, Ledger } from "../storage/ledger.js";
import { decodeItem } from "../util/ledger-item.js";
import type { Subscription } from "./types.js";

export const SUBSCRIPTIONS_PK = "subscriptions";
export const subscriptionKey = (name: string): ItemKey => ({ pk: SUBSCRIPTIONS_PK, sk: name });
export const leasePk = (name: string): string => `sub#${name}`;
export const leaseKey = (name: string, topic: string, partition: number): ItemKey => ({
  pk: leasePk(name),
  sk: `l#${topic}#${String(partition).padStart(10, "0")}`,
});

const nonNegative = z.number().int().min(0);
const stored = z.object({
  topics: z.array(z.string()).min(1),
  group: z.string(),
  target: z.discriminatedUnion("type", [
    z.object({ type: z.literal("webhook"), url: z.string(), secret: z.string(), timeoutMs: nonNegative }),
    z.object({ type: z.literal("lambda"), functionArn: z.string() }),
  ]),
  batchSize: z.number().int().min(1),
  batchWindowMs: nonNegative,
  maxRetries: z.number().int().min(-1),
  maxRecordAgeMs: z.number().int().min(-1),
  bisectOnError: z.boolean(),
  deadLetterTopic: z.string().nullable(),
  startFrom: z.enum(["earliest", "latest"]),
  createdAt: nonNegative,
  updatedAt: nonNegative,
  version: nonNegative,
});

export function subscriptionFromItem(item: Item): Subscription {
  return { name: item.sk, ...decodeItem(stored, item, "subscription") };
}

export function subscriptionAttrs(s: Subscription): Attrs {
  const { name: _, ...rest } = s;
  return { ...rest, target: { ...rest.target } };
}

const lease = z.object({ owner: z.string(), until: z.number() });
export type Lease = z.output<typeof lease>;

export function leaseFromItem(item: Item): Lease {
  return decodeItem(lease, item, "subscription lease");
}

export async function listSubscriptions(ledger: Ledger): Promise<Subscription[]> {
  return (await ledger.query(SUBSCRIPTIONS_PK)).map(subscriptionFromItem);
}
