/**
 * A partition's delivery lease: at most one deliverer (a local worker, a Lambda invocation) delivers a
 * subscription's partition at a time, so its records reach the target in order. Taking it is one conditional
 * write (free, expired, or already ours); the commit that records progress checks it in the same transaction
 * (commitCheck), so a deliverer that lost its lease (it stalled past `until`) can never move the offset.
 * While held, a timer renews it every third of its duration (a target call may take longer than one lease);
 * a renewal that finds it taken marks it lost and aborts `signal`, which cuts the call in flight.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger, type WriteOp } from "../storage/ledger.js";
import { leaseFromItem, leaseKey } from "./store.js";

export class PartitionLease {
  readonly owner = randomUUID();
  private heldUntil = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly lostController = new AbortController();
  /** aborted when a renewal finds the lease taken by another deliverer */
  readonly signal = this.lostController.signal;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    readonly subscription: string,
    readonly topic: string,
    readonly partition: number,
    /** how long one take or renewal holds it */
    readonly durationMs: number,
  ) {}

  private get key() {
    return leaseKey(this.subscription, this.topic, this.partition);
  }

  /** Takes or renews the lease; false (and the holder's `until`) when someone else holds it. */
  async take(): Promise<{ ok: true } | { ok: false; until: number }> {
    const now = this.clock.now();
    const until = now + this.durationMs;
    try {
      await this.ledger.write({
        type: "put",
        key: this.key,
        attrs: { owner: this.owner, until },
        condition: {
          op: "or",
          conditions: [
            { op: "notExists" },
            { op: "lt", attr: "until", value: now },
            { op: "eq", attr: "owner", value: this.owner },
          ],
        },
      });
      this.heldUntil = until;
      return { ok: true };
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      const item = e.reasons[0]?.item;
      return { ok: false, until: item ? leaseFromItem(item).until : now };
    }
  }

  /** Renews every third of the lease until release(); a failed renewal is retried at the next tick. */
  startRenewing(onError: (e: unknown) => void): void {
    this.timer ??= setInterval(
      () => {
        this.take().then((r) => {
          if (!r.ok) this.lostController.abort(new Error("the partition's lease was taken by another deliverer"));
        }, onError);
      },
      Math.max(10, Math.floor(this.durationMs / 3)),
    );
    this.timer.unref?.();
  }

  /** Still ours, as far as this deliverer knows: not lost, renewed now when less than half of it is left. */
  async keep(): Promise<boolean> {
    if (this.signal.aborted) return false;
    if (this.heldUntil - this.clock.now() > this.durationMs / 2) return true;
    const ok = (await this.take()).ok;
    if (!ok) this.lostController.abort(new Error("the partition's lease was taken by another deliverer"));
    return ok;
  }

  /** Gives it up (only if still ours), so another deliverer need not wait for it to expire. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.heldUntil = 0;
    try {
      await this.ledger.write({
        type: "delete",
        key: this.key,
        condition: { op: "eq", attr: "owner", value: this.owner },
      });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }

  /** The condition a commit carries: the lease is still ours. */
  commitCheck(): WriteOp {
    return { type: "check", key: this.key, condition: { op: "eq", attr: "owner", value: this.owner } };
  }
}
