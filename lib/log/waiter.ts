/**
 * Long-poll wake-ups. Commits made by this process wake waiters at once; commits made elsewhere (other Lambda
 * containers) are noticed by polling the partition heads every `pollMs`, so a waiting fetch costs one small
 * read per poll and nothing else.
 */
export class Waiter {
  private readonly listeners = new Map<string, Set<() => void>>();
  private stopped = false;
  private pending = 0;

  /** waits in progress now (each waiting fetch has at most one): the WaitingFetches gauge */
  get waiting(): number {
    return this.pending;
  }

  /** Shutting down: every wait ends now and later ones return at once, so long polls answer instead of hanging. */
  stop(): void {
    this.stopped = true;
    for (const set of [...this.listeners.values()]) for (const fn of [...set]) fn();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  notify(topicId: string, partition: number): void {
    const set = this.listeners.get(`${topicId}#${partition}`);
    if (set) for (const fn of [...set]) fn();
  }

  /** Resolves after `ms`, or earlier when any of the partitions gets a commit or the signal aborts. */
  wait(keys: { topicId: string; partition: number }[], ms: number, signal?: AbortSignal): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const names = keys.map((k) => `${k.topicId}#${k.partition}`);
      this.pending++;
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        this.pending--;
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        for (const n of names) {
          const set = this.listeners.get(n);
          set?.delete(done);
          if (set && set.size === 0) this.listeners.delete(n);
        }
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done);
      for (const n of names) {
        const set = this.listeners.get(n) ?? new Set();
        this.listeners.set(n, set);
        set.add(done);
      }
    });
  }
}
