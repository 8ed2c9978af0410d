/**
 * Delivery inside a long-running process (the local server): one worker per partition of every subscription.
 * A worker delivers until caught up, then waits on the log's in-process wake-up (lib/log/waiter.ts, the same one
 * long polls wait on), so an idle subscription costs nothing; a commit to the partition wakes it at once. The wait
 * starts before each delivery run, so a commit landing during the run is never missed. A sweep (every `sweepMs`)
 * re-reads the subscriptions and topics (new topics, more partitions) and wakes every worker: the safety net for
 * commits made by another process sharing the storage.
 */

import type { LogService } from "../log/service.js";
import type { Waiter } from "../log/waiter.js";
import type { Logger } from "../util/logger.js";
import { sleepUnless } from "../util/sleep.js";
import { type DeliveryDeps, deliverPartition } from "./deliver.js";
import { leasePk } from "./store.js";
import type { Subscription } from "./types.js";

export interface LocalDeliveryDeps extends DeliveryDeps {
  subscriptions: { all(): Promise<Subscription[]> };
  log: DeliveryDeps["log"] & Pick<LogService, "topicMetadata">;
  waiter: Waiter;
  /** how often subscriptions and topics are re-read (and every partition looked at); default 60 s */
  sweepMs?: number;
  /**
   * The storage is this process's alone (the embedded backend locks its data directory): leases left by an
   * earlier process (killed) are stale, and are dropped at start instead of waited out.
   */
  exclusive?: boolean;
}

interface Worker {
  version: number;
  topicId: string;
  stop: AbortController;
  done: Promise<void>;
}

const ERROR_PAUSE_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class LocalDelivery {
  private readonly workers = new Map<string, Worker>();
  private readonly sweepMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly deps: LocalDeliveryDeps) {
    this.sweepMs = deps.sweepMs ?? 60_000;
    this.logger = deps.logger.child({ component: "subscriptions" });
  }

  start(): void {
    if (this.deps.exclusive) {
      this.reconciling = this.dropLeases().catch((e) =>
        this.logger.error({ err: e, code: e?.code }, "dropping stale leases failed"),
      );
    }
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.sweepMs);
    this.timer.unref?.();
  }

  /** Re-reads subscriptions and topics, starting, restarting (changed) and stopping workers to match. */
  refresh(): Promise<void> {
    this.reconciling = this.reconciling.then(() =>
      this.reconcile().catch((e) => this.logger.error({ err: e, code: e?.code }, "reading subscriptions failed")),
    );
    return this.reconciling;
  }

  /** Stops every worker (a call in flight is cut; nothing past the last commit counts as done) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reconciling;
    for (const w of this.workers.values()) w.stop.abort();
    await Promise.all([...this.workers.values()].map((w) => w.done));
    this.workers.clear();
  }

  private async dropLeases(): Promise<void> {
    for (const s of await this.deps.subscriptions.all()) {
      for (const lease of await this.deps.ledger.query(leasePk(s.name))) {
        await this.deps.ledger.write({ type: "delete", key: { pk: lease.pk, sk: lease.sk } });
      }
    }
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { s: Subscription; topic: string; partition: number; topicId: string }>();
    for (const s of await this.deps.subscriptions.all()) {
      for (const topic of s.topics) {
        const meta = await this.deps.log.topicMetadata(topic).catch(() => undefined);
        if (!meta) continue;
        for (let partition = 0; partition < meta.partitions; partition++) {
          wanted.set(`${s.name}#${topic}#${partition}`, { s, topic, partition, topicId: meta.id });
        }
      }
    }
    for (const [key, w] of this.workers) {
      const want = wanted.get(key);
      if (!want || want.s.version !== w.version || want.topicId !== w.topicId) {
        w.stop.abort();
        this.workers.delete(key);
        await w.done;
      }
    }
    if (this.stopped) return;
    for (const [key, want] of wanted) {
      if (this.workers.has(key)) continue;
      const stop = new AbortController();
      const done = this.work(want.s, want.topic, want.partition, want.topicId, stop.signal);
      this.workers.set(key, { version: want.s.version, topicId: want.topicId, stop, done });
    }
  }

  private async work(s: Subscription, topic: string, partition: number, topicId: string, signal: AbortSignal) {
    const waiter = this.deps.waiter;
    let errors = 0;
    while (!signal.aborted && !waiter.isStopped) {
      // Registered before the run: a commit during it resolves this at once.
      const woken = waiter.wait([{ topicId, partition }], this.sweepMs, signal);
      let pause = 0;
      try {
        const run = await deliverPartition(this.deps, s, topic, partition, { signal });
        errors = 0;
        if (run.outcome === "busy") pause = Math.max(0, run.until - this.deps.clock.now());
      } catch (e) {
        const code = (e as { code?: string })?.code ?? "INTERNAL";
        this.logger.error({ subscription: s.name, topic, partition, code, err: e }, "delivery failed; retrying");
        pause = ERROR_PAUSE_MS[Math.min(errors++, ERROR_PAUSE_MS.length - 1)]!;
      }
      if (pause > 0) await sleepUnless(Math.min(pause, this.sweepMs), signal);
      await woken;
    }
  }
}
