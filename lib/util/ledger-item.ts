/**
 * Checked decoding of ledger items: an item's attributes are parsed against a zod schema, and an item that does
 * not match is CORRUPT_DATA (never retriable: the same item fails the same way on every read) naming its key and
 * the attribute at fault. Never a cast.
 */
import type { z } from "zod";
import { StrataError } from "../errors.js";
import type { Item, ItemKey } from "../storage/ledger.js";

/** The error for a ledger item that is not what its key says it holds. */
export function corruptItem(key: ItemKey, what: string, problem: string): StrataError {
  return new StrataError("CORRUPT_DATA", `ledger item ${key.pk} ${key.sk} (${what}) is malformed: ${problem}`, {
    retriable: false,
    details: { pk: key.pk, sk: key.sk, item: what },
  });
}

/** The item's attributes as `schema` describes them, or CORRUPT_DATA naming the item's key. */
export function decodeItem<S extends z.ZodType>(schema: S, item: Item, what: string): z.output<S> {
  const parsed = schema.safeParse(item.attrs);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  throw corruptItem(item, what, `${at}${issue?.message ?? "does not match"}`);
}
