/**
 * An in-memory Ledger that follows the port's contract (lib/storage/ledger.ts) closely enough to test
 * the group domain on: conditional put/update/delete/check, all-or-nothing transactions with no two
 * operations on one key, ConditionFailedError with the current item per operation, sort keys ordered as
 * UTF-8 bytes, and values copied in and out so no caller can mutate stored state.
 */
import { StrataError } from "../../../lib/errors.js";
import {
  type Attrs,
  type Condition,
  ConditionFailedError,
  type Item,
  type ItemKey,
  type Ledger,
  MAX_TRANSACTION_ITEMS,
  type QueryOptions,
  type WriteOp,
} from "../../../lib/storage/ledger.js";

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

export class MemoryLedger implements Ledger {
  private readonly items = new Map<string, Map<string, Attrs>>();

  async get(key: ItemKey): Promise<Item | undefined> {
    const attrs = this.items.get(key.pk)?.get(key.sk);
    return attrs ? { pk: key.pk, sk: key.sk, attrs: structuredClone(attrs) } : undefined;
  }

  async query(pk: string, o: QueryOptions = {}): Promise<Item[]> {
    const partition = this.items.get(pk);
    if (!partition) return [];
    let sks = [...partition.keys()].sort(byteOrder);
    sks = sks.filter(
      (sk) =>
        (o.gt === undefined || byteOrder(sk, o.gt) > 0) &&
        (o.gte === undefined || byteOrder(sk, o.gte) >= 0) &&
        (o.lt === undefined || byteOrder(sk, o.lt) < 0) &&
        (o.lte === undefined || byteOrder(sk, o.lte) <= 0) &&
        (o.beginsWith === undefined || sk.startsWith(o.beginsWith)),
    );
    if (o.reverse) sks.reverse();
    if (o.limit !== undefined) sks = sks.slice(0, o.limit);
    return sks.map((sk) => ({ pk, sk, attrs: structuredClone(partition.get(sk)!) }));
  }

  async write(op: WriteOp): Promise<void> {
    await this.transact([op]);
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0 || ops.length > MAX_TRANSACTION_ITEMS) {
      throw new StrataError("INVALID_ARGUMENT", `a transaction has 1-${MAX_TRANSACTION_ITEMS} operations`);
    }
    const keys = new Set(ops.map((op) => JSON.stringify([op.key.pk, op.key.sk])));
    if (keys.size !== ops.length) throw new StrataError("INVALID_ARGUMENT", "two operations on one key");
    const reasons = ops.map((op) => {
      const current = this.items.get(op.key.pk)?.get(op.key.sk);
      const ok = op.condition === undefined || holds(op.condition, current);
      return ok
        ? { failed: false }
        : { failed: true, item: current ? { ...op.key, attrs: structuredClone(current) } : undefined };
    });
    if (reasons.some((r) => r.failed)) throw new ConditionFailedError(reasons);
    for (const op of ops) this.apply(op);
  }

  private apply(op: WriteOp): void {
    const partition = this.items.get(op.key.pk) ?? new Map<string, Attrs>();
    this.items.set(op.key.pk, partition);
    if (op.type === "put") partition.set(op.key.sk, structuredClone(op.attrs));
    else if (op.type === "delete") partition.delete(op.key.sk);
    else if (op.type === "update") {
      const attrs = structuredClone(partition.get(op.key.sk) ?? {});
      Object.assign(attrs, structuredClone(op.set ?? {}));
      for (const [name, n] of Object.entries(op.add ?? {})) {
        const prior = attrs[name] ?? 0;
        if (typeof prior !== "number") throw new StrataError("INVALID_ARGUMENT", `${name} is not a number`);
        attrs[name] = prior + n;
      }
      for (const name of op.remove ?? []) delete attrs[name];
      partition.set(op.key.sk, attrs);
    }
    if (partition.size === 0) this.items.delete(op.key.pk);
  }
}

/** DynamoDB semantics: a comparison with a missing attribute, or across types, is false. */
function holds(c: Condition, item: Attrs | undefined): boolean {
  switch (c.op) {
    case "exists":
      return item !== undefined;
    case "notExists":
      return item === undefined;
    case "attrExists":
      return item !== undefined && c.attr in item;
    case "attrNotExists":
      return item === undefined || !(c.attr in item);
    case "and":
      return c.conditions.every((x) => holds(x, item));
    case "or":
      return c.conditions.some((x) => holds(x, item));
    default: {
      const v = item?.[c.attr];
      if (v === undefined || typeof v !== typeof c.value) return false;
      const a = v as string | number | boolean;
      const cmp = typeof a === "string" ? byteOrder(a, c.value as string) : a < c.value ? -1 : a > c.value ? 1 : 0;
      return { eq: cmp === 0, ne: cmp !== 0, lt: cmp < 0, le: cmp <= 0, gt: cmp > 0, ge: cmp >= 0 }[c.op];
    }
  }
}
