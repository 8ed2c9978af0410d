/**
 * One maintenance run at a time per partition. The lease is a ledger item with a random token and an expiry;
 * every write a run makes carries a condition "the lease still has my token and has not expired", evaluated
 * atomically with the write. A run frozen past its lease (a paused Lambda) therefore changes nothing: either
 * another run took the lease (new token) or the expiry is in the past.
 *
 * The lease item also holds what maintenance remembers about the partition between runs (mergedTo, cleanTo,
 * nextDue), so that state is only ever changed by the lease holder.
 */
import { StrataError } from "../errors.js";
import { type Attrs, type Condition, ConditionFailedError, type WriteOp } from "../storage/ledger.js";
import type { Context } from "./context.js";
import { leaseKey } from "./keys.js";

export class LeaseLostError extends StrataError {
  constructor(what: string, cause?: unknown) {
    super("CONCURRENT_MODIFICATION", `maintenance lease lost: ${what}`, { retriable: true, cause });
    this.name = "LeaseLostError";
  }
}

export class Lease {
  private constructor(
    private readonly ctx: Context,
    readonly topicId: string,
    readonly partition: number,
    readonly token: string,
    /** the state kept on the lease item when it was taken */
    readonly state: Attrs,
  ) {}

  /** Takes the lease if it is free or expired; undefined when another run holds it. */
  static async acquire(ctx: Context, topicId: string, partition: number): Promise<Lease | undefined> {
    const key = leaseKey(topicId, partition);
    const now = ctx.clock.now();
    const token = ctx.unique();
    try {
      await ctx.ledger.write({
        type: "update",
        key,
        set: { token, expires: now + ctx.opts.leaseMs },
        condition: {
          op: "or",
          conditions: [
            { op: "attrNotExists", attr: "expires" },
            { op: "lt", attr: "expires", value: now },
          ],
        },
      });
    } catch (e) {
      if (e instanceof ConditionFailedError) return undefined;
      throw e;
    }
    // Read back what earlier runs remembered (the write above kept it: update only set token and expires).
    const item = await ctx.ledger.get(key);
    if (!item || item.attrs.token !== token) return undefined;
    return new Lease(ctx, topicId, partition, token, item.attrs);
  }

  get key() {
    return leaseKey(this.topicId, this.partition);
  }

  /** The condition every write of this run carries. `now` is read at write time, not at acquire time. */
  condition(): Condition {
    return {
      op: "and",
      conditions: [
        { op: "eq", attr: "token", value: this.token },
        { op: "gt", attr: "expires", value: this.ctx.clock.now() },
      ],
    };
  }

  /** The transaction item that fences a write: a check, or an update of the remembered state. */
  op(set?: Attrs, remove?: string[]): WriteOp {
    if (!set && !remove) return { type: "check", key: this.key, condition: this.condition() };
    const op: WriteOp = { type: "update", key: this.key, condition: this.condition() };
    if (set) op.set = set;
    if (remove) op.remove = remove;
    return op;
  }

  /**
   * Runs a fenced transaction: `ops` plus the lease item (first). A failed lease condition means the run must stop.
   * Returns false when another operation's condition failed (the caller re-reads and decides).
   */
  async transact(ops: WriteOp[], set?: Attrs): Promise<boolean> {
    try {
      await this.ctx.ledger.transact([this.op(set), ...ops]);
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (e.reasons[0]?.failed) throw new LeaseLostError(`partition ${this.partition}`, e);
        return false;
      }
      throw e;
    }
  }

  /** Ends the lease early so the next run need not wait for it to expire; keeps the remembered state. */
  async release(): Promise<void> {
    try {
      await this.ctx.ledger.write({
        type: "update",
        key: this.key,
        set: { expires: 0 },
        condition: { op: "eq", attr: "token", value: this.token },
      });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }

  /** Throws when the lease is no longer ours (checked before irreversible work such as object deletes). */
  async assertHeld(): Promise<void> {
    const item = await this.ctx.ledger.get(this.key);
    if (!item || item.attrs.token !== this.token || Number(item.attrs.expires) <= this.ctx.clock.now()) {
      throw new LeaseLostError(`partition ${this.partition}`);
    }
  }
}
