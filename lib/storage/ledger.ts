/**
 * The ledger port: a small conditional key-value model shaped after DynamoDB, so the DynamoDB adapter is
 * a thin translation and the SQLite adapter can mirror it exactly.
 *
 * - An item lives at (pk, sk). Items under one pk are ordered by sk, compared as UTF-8 bytes (both
 *   DynamoDB and SQLite's BINARY collation do this), so numbers in sort keys are zero-padded.
 * - Attribute values are JSON values: string, finite number (|n| <= 2^53), boolean, null, arrays and
 *   plain objects. `pk` and `sk` are not attributes.
 * - Every read is strongly consistent (DynamoDB: ConsistentRead=true) because Strata reads decide
 *   correctness (offsets, leases, fencing).
 * - write() applies one conditional operation; transact() applies up to 100 atomically (all or nothing).
 *   A failed condition throws ConditionFailedError carrying, per operation, whether its condition failed
 *   and the item as it is now (DynamoDB's ReturnValuesOnConditionCheckFailure=ALL_OLD), so callers learn
 *   the current state without a second read.
 * - Throttling, transaction conflicts and timeouts throw StrataError with retriable=true. An ambiguous
 *   failure (the request may have been applied) is also retriable: every Strata write is conditioned so
 *   that replaying it is either a no-op or a clean condition failure.
 */
import { StrataError } from "../errors.js";

export type AttrValue = string | number | boolean | null | AttrValue[] | { [name: string]: AttrValue };
export type Attrs = Record<string, AttrValue>;

export interface ItemKey {
  pk: string;
  sk: string;
}

export interface Item extends ItemKey {
  attrs: Attrs;
}

/** Conditions on the item at an operation's key, evaluated atomically with the write. */
export type Condition =
  | { op: "exists" }
  | { op: "notExists" }
  | { op: "attrExists"; attr: string }
  | { op: "attrNotExists"; attr: string }
  | { op: "eq" | "ne" | "lt" | "le" | "gt" | "ge"; attr: string; value: string | number | boolean }
  | { op: "and"; conditions: Condition[] }
  | { op: "or"; conditions: Condition[] };

export type WriteOp =
  /** replace the whole item */
  | { type: "put"; key: ItemKey; attrs: Attrs; condition?: Condition }
  /**
   * Update attributes in place, creating the item if it is absent (as DynamoDB's UpdateItem does):
   * `set` assigns, `add` adds a number to a numeric attribute (missing counts as 0), `remove` deletes.
   * One attribute may appear in only one of them.
   */
  | {
      type: "update";
      key: ItemKey;
      set?: Attrs;
      add?: Record<string, number>;
      remove?: string[];
      condition?: Condition;
    }
  | { type: "delete"; key: ItemKey; condition?: Condition }
  /** only a condition; fails the transaction when false, writes nothing */
  | { type: "check"; key: ItemKey; condition: Condition };

export interface QueryOptions {
  /** sort key bounds; any combination */
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  beginsWith?: string;
  /** descending order */
  reverse?: boolean;
  /** at most this many items (default: all, paged internally) */
  limit?: number;
}

export interface Ledger {
  get(key: ItemKey): Promise<Item | undefined>;
  query(pk: string, options?: QueryOptions): Promise<Item[]>;
  /** One conditional write. Throws ConditionFailedError (reasons.length === 1). */
  write(op: WriteOp): Promise<void>;
  /** Up to 100 operations, all or nothing, no two on the same key. Throws ConditionFailedError. */
  transact(ops: WriteOp[]): Promise<void>;
  close?(): Promise<void>;
}

export const MAX_TRANSACTION_ITEMS = 100;

export interface ConditionFailure {
  /** true when this operation's condition was false */
  failed: boolean;
  /** the item at this operation's key as it is now, when the condition failed (undefined if absent) */
  item?: Item;
}

export class ConditionFailedError extends StrataError {
  readonly reasons: ConditionFailure[];
  constructor(reasons: ConditionFailure[], cause?: unknown) {
    super("CONDITION_FAILED", "a ledger condition was not met", { cause });
    this.name = "ConditionFailedError";
    this.reasons = reasons;
  }
}
