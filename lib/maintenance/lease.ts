/**
 * One maintenance run at a time per partition. The lease is a ledger item with a random token and an expiry;
 * every write a run makes carries a condition "the lease still has my token and has not expired", evaluated
 * atomically with the write. A run frozen past its lease (a paused Lambda) therefore changes nothing: either
 * another run took the lease (new token) or the expiry is in the past.
 *
 * The lease is short (leaseMs, default 30 s) so a runner that dies (kill -9, a Lambda timeout) blocks its partition
 * for at most that long. A live runner renews it in slices: a timer every leaseMs/4 of real time, and every fenced
 * transaction, extend the expiry once leaseMs/3 has passed on the clock since the last renewal (a conditional write
 * on token and expiry, so an expired lease is never revived). A renewal that fails marks the lease lost: every later
 * step throws LeaseLostError before writing. No run holds a lease past acquire + maxLeaseHoldMs (a hung runner
 * cannot keep a partition forever, and the sweep's pending rule builds on that bound).
 *
 * The lease item also holds what maintenance remembers about the partition between runs (mergedTo, cleanTo,
 * nextDue), so that state is only ever changed by the lease holder.
 */
import { z } from "zod";
import { StrataError } from "../errors.js";
import { type Attrs, type Condition, ConditionFailedError, type Item, type WriteOp } from "../storage/ledger.js";
import { decodeItem } from "../util/ledger-item.js";
import type { Context } from "./context.js";
import { leaseKey } from "./keys.js";

export class LeaseLostError extends StrataError {
  constructor(what: string, cause?: unknown) {
    super("CONCURRENT_MODIFICATION", `maintenance lease lost: ${what}`, { retriable: true, cause });
    this.name = "LeaseLostError";
  }
}

/** What maintenance remembers on the lease item between runs (each absent until a run first writes it). */
export interface LeaseState {
  mergedTo?: number;
  cleanTo?: number;
  tombstoneDue?: number;
  nextDue?: string;
}

const leaseAttrs = z.object({
  token: z.string(),
  expires: z.number(),
  mergedTo: z.number().optional(),
  cleanTo: z.number().optional(),
  tombstoneDue: z.number().optional(),
  nextDue: z.string().optional(),
});

/** The lease item, checked (CORRUPT_DATA naming its key if malformed). */
export function leaseFromItem(item: Item): { token: string; expires: number; state: LeaseState } {
  const { token, expires, ...state } = decodeItem(leaseAttrs, item, "maintenance lease");
  return { token, expires, state };
}

export class Lease {
  /** clock time of the last successful write of `expires` */
  private renewedAt: number;
  private lost: LeaseLostError | undefined;
  private renewing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly ctx: Context,
    readonly topicId: string,
    readonly partition: number,
    readonly token: string,
    /** the state kept on the lease item when it was taken */
    readonly state: LeaseState,
    private readonly acquiredAt: number,
  ) {
    this.renewedAt = acquiredAt;
  }

  /**
   * Takes the lease if it is free or expired; undefined when another run holds it. The lease renews itself while
   * the run lives: end every run with `release()`, or `stop()` on a failure path (the lease then simply expires).
   */
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
    if (!item) return undefined;
    const taken = leaseFromItem(item);
    if (taken.token !== token) return undefined;
    const lease = new Lease(ctx, topicId, partition, token, taken.state, now);
    lease.timer = setInterval(() => void lease.renewIfDue().catch(() => {}), Math.max(1, ctx.opts.leaseMs / 4));
    lease.timer.unref?.();
    return lease;
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
    if (this.lost) throw this.lost;
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
    await this.renewIfDue();
    try {
      await this.ctx.ledger.transact([this.op(set), ...ops]);
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (e.reasons[0]?.failed) throw this.lose(new LeaseLostError(`partition ${this.partition}`, e));
        return false;
      }
      throw e;
    }
  }

  /**
   * Extends the expiry to now + leaseMs (never past acquire + maxLeaseHoldMs), if the lease is still ours and
   * unexpired; otherwise the lease is lost and this throws. One renewal at a time.
   */
  async renew(): Promise<void> {
    if (this.lost) throw this.lost;
    if (!this.renewing) {
      this.renewing = this.writeExpiry().finally(() => {
        this.renewing = undefined;
      });
    }
    return this.renewing;
  }

  /** Ends the lease early so the next run need not wait for it to expire; keeps the remembered state. */
  async release(): Promise<void> {
    this.stop();
    await this.renewing?.catch(() => {});
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

  /** Stops renewing without releasing (a run that failed): the lease ends on its own within leaseMs. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Throws when the lease is no longer ours (checked before irreversible work such as object writes). A renewal is
   * a conditional write on token and expiry, so it is the check, and it gives the work ahead a whole lease.
   */
  async assertHeld(): Promise<void> {
    await this.renew();
  }

  private async renewIfDue(): Promise<void> {
    if (this.lost) throw this.lost;
    if (this.ctx.clock.now() - this.renewedAt >= this.ctx.opts.leaseMs / 3) await this.renew();
  }

  private async writeExpiry(): Promise<void> {
    const now = this.ctx.clock.now();
    const expires = Math.min(now + this.ctx.opts.leaseMs, this.acquiredAt + this.ctx.opts.maxLeaseHoldMs);
    if (expires <= now) throw this.lose(new LeaseLostError(`partition ${this.partition}: held for maxLeaseHoldMs`));
    try {
      await this.ctx.ledger.write({ type: "update", key: this.key, set: { expires }, condition: this.condition() });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw this.lose(new LeaseLostError(`partition ${this.partition}`, e));
      throw e;
    }
    this.renewedAt = now;
  }

  private lose(e: LeaseLostError): LeaseLostError {
    this.lost ??= e;
    this.stop();
    return this.lost;
  }
}
