/**
 * The consumer, in the style of kafkajs: subscribe() (group membership) or assign() (standalone), then
 * run({ eachMessage }) or run({ eachBatch }), or `for await (const message of consumer)` (consumer-iterator.ts).
 *
 * Group protocol (KIP-848 style, see the groups routes): the member joins with its topics, heartbeats in the
 * background with the partitions it owns, and each answer lists what it may own now. A partition no longer listed is
 * revoked: the consumer finishes the message in hand, commits the partition (auto-commit), calls onRevoked, and the
 * next heartbeat (sent at once) reports it released so its new owner can start. A member that cannot heartbeat
 * for two thirds of its session stops processing and drops its partitions without committing (the coordinator
 * may already have given them to another member), then joins again.
 *
 * One in-process lock orders message processing against rebalances: a handler call and a reconciliation never
 * overlap, so a revoked partition's last committed offset is exactly the last record its handler completed.
 *
 * A fetch answer's error for one partition never holds back the others' records: the failing partition alone is
 * reported (onPartitionError), then retried after its own backoff (retriable) or paused (not retriable).
 */
import type { OffsetCommit, PartitionOffset, TopicPartition } from "./admin.js";
import { zstdReady } from "./codec.js";
import { type ConsumedMessage, consumerIterator } from "./consumer-iterator.js";
import { ClosedError, InvalidInputError, MemberFencedError, NetworkError, StrataClientError } from "./errors.js";
import { type FetchedPartition, readFetchAnswer } from "./fetched.js";
import { BATCHES_MEDIA_TYPE, type HttpClient, seg } from "./http.js";
import type { Message } from "./records.js";
import { backoffMs, sleep } from "./retry.js";
import { randomId } from "./runtime.js";

/** Where to start a partition: an offset, the log's start or end, or the first record at or after a time. */
export type StartPosition = number | "earliest" | "latest" | { timestamp: number };

export interface ConsumerOptions {
  /** the consumer group; required for subscribe() and for commits */
  groupId?: string;
  /** default 45 s (Kafka's); the coordinator may clamp it */
  sessionTimeoutMs?: number;
  /** default min(3 s, session / 10) */
  heartbeatIntervalMs?: number;
  /** default true (with a group) */
  autoCommit?: boolean;
  /** default 5 s */
  autoCommitIntervalMs?: number;
  /** where a partition without a committed offset starts, and where an out-of-range one goes; default "latest" */
  autoOffsetReset?: "earliest" | "latest";
  /** long-poll wait of each fetch; default 5000 ms (max 20000) */
  maxWaitMs?: number;
  /** per fetch, all partitions together; default the server's (3 MiB) */
  maxBytes?: number;
  /** per partition per fetch; default the server's (500) */
  maxRecordsPerPartition?: number;
  /** after partitions are added to this member, before their first fetch */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** before partitions leave this member (rebalance or close), after their offsets are committed */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** partitions taken away without a chance to commit (fenced, session expired) */
  onLost?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** before each commit request (for audit logs: a crash between the two leaves the commit's outcome unknown) */
  onCommitting?: (offsets: OffsetCommit[]) => void;
  /** after each successful commit */
  onCommit?: (offsets: OffsetCommit[]) => void;
  /** a fetch found a partition at its end (like librdkafka's partition EOF); for `strata consume -e` */
  onEndOfPartition?: (partition: TopicPartition & { highWatermark: number }) => void;
  /**
   * A fetch answered an error for one partition (the other partitions' records are delivered as usual); `offset` is
   * the position that fetch started from. A retriable error is retried for that partition alone after a backoff
   * (100 ms doubling up to 5 s). A non-retriable one (such as a CorruptDataError) pauses the partition first: call
   * seek() past the damage (`error.details.nextOffset`) and resume(), or resume() once the data is restored.
   * Without this option a non-retriable partition error stops the consumer (stopped() rejects with it), as a
   * kafkajs crash does. Called under the handler lock, never during a handler call or a rebalance.
   */
  onPartitionError?: (
    error: StrataClientError,
    partition: TopicPartition & { offset: StartPosition },
  ) => void | Promise<void>;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: Message;
}

export interface Batch {
  topic: string;
  partition: number;
  highWatermark: number;
  messages: Message[];
}

export interface EachBatchPayload {
  batch: Batch;
  /** mark records up to and including `offset` processed (with eachBatchAutoResolve false) */
  resolveOffset(offset: number): void;
  commitOffsetsIfNecessary(): Promise<void>;
  isRunning(): boolean;
  /** the partition was revoked, sought or the consumer is stopping: stop processing this batch */
  isStale(): boolean;
}

export interface RunOptions {
  eachMessage?: (payload: EachMessagePayload) => Promise<void> | void;
  eachBatch?: (payload: EachBatchPayload) => Promise<void> | void;
  /** default true: the whole batch counts as processed when eachBatch returns */
  eachBatchAutoResolve?: boolean;
}

interface PartitionState extends TopicPartition {
  /** the next offset to hand to the handler, or where to start */
  position: StartPosition | undefined;
  /** last committed (or read from the group) next offset */
  committed: number | undefined;
  paused: boolean;
  /** bumped by seek and (re)assignment: a fetch answer for an older epoch is dropped */
  epoch: number;
  /** retriable errors of this partition in a row, and when it may be fetched again (Date.now() ms) */
  failures: number;
  retryAt: number;
}

interface JoinAnswer {
  memberId: string;
  memberEpoch: number;
  assignments: TopicPartition[];
  sessionTimeoutMs?: number;
}

interface Membership {
  memberId: string;
  memberEpoch: number;
  sessionTimeoutMs: number;
  /** ownership ends this long after the send time of the last successful heartbeat */
  ownedUntil: number;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** A FIFO async lock: handler calls and rebalances take turns. */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(f: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => {
      release = r;
    });
    await previous;
    try {
      return await f();
    } finally {
      release();
    }
  }
}

/**
 * @example
 * const consumer = strata.consumer({ groupId: "billing", autoOffsetReset: "earliest" });
 * consumer.subscribe({ topics: ["orders"] });
 * await consumer.run({ eachMessage: async ({ message }) => console.log(message.value?.toString()) });
 * // ... later
 * await consumer.close();
 */
export class Consumer {
  private readonly owned = new Map<string, PartitionState>();
  private readonly lock = new Lock();
  private topics: string[] | undefined;
  private member: Membership | undefined;
  private running = false;
  private stopping = false;
  private closed = false;
  private loopDone: Promise<void> | undefined;
  private heartbeatDone: Promise<void> | undefined;
  private fetchAbort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private heartbeatNow: (() => void) | undefined;
  private lastCommitAt = Date.now();
  private fatal: unknown;
  private readonly closingHooks: (() => void)[] = [];
  private readonly sessionTimeoutMs: number;
  private readonly autoCommit: boolean;

  constructor(
    private readonly http: HttpClient,
    private readonly options: ConsumerOptions = {},
  ) {
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.autoCommit = (options.autoCommit ?? true) && options.groupId !== undefined;
    if (options.maxWaitMs !== undefined && !(options.maxWaitMs >= 0 && options.maxWaitMs <= 20_000))
      throw new InvalidInputError("maxWaitMs: between 0 and 20000");
  }

  /** Join the group for these topics when run() starts. */
  subscribe(subscription: { topics: string[] }): void {
    if (this.options.groupId === undefined) throw new InvalidInputError("subscribe() needs a groupId");
    if (this.running) throw new InvalidInputError("subscribe() before run()");
    if (!Array.isArray(subscription.topics) || subscription.topics.length === 0)
      throw new InvalidInputError("topics: at least one topic");
    this.topics = [...subscription.topics];
  }

  /**
   * Standalone mode (Kafka's assign()): read exactly these partitions, no membership. Without an offset, a partition
   * starts at the group's committed offset (with a groupId) or at autoOffsetReset.
   */
  assign(partitions: (TopicPartition & { offset?: StartPosition })[]): void {
    if (this.topics) throw new InvalidInputError("assign() and subscribe() cannot be combined");
    for (const p of partitions) {
      const st = this.stateFor(p);
      st.position = p.offset;
    }
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return [...this.owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Starts fetching and calling the handler in the background; resolves once started (as kafkajs does). */
  async run(options: RunOptions): Promise<void> {
    if (this.closed) throw new ClosedError("consumer");
    if (this.running) throw new InvalidInputError("the consumer is already running");
    if (!options.eachMessage === !options.eachBatch)
      throw new InvalidInputError("run() takes eachMessage or eachBatch");
    if (!this.topics && this.owned.size === 0) throw new InvalidInputError("subscribe() or assign() before run()");
    this.running = true;
    this.loopDone = this.loop(options);
    if (this.topics) this.heartbeatDone = this.heartbeatLoop();
  }

  /** Resolves when the consumer stops: after close(), or rejects with the error that stopped it. */
  async stopped(): Promise<void> {
    await this.loopDone;
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** The next fetch of this partition starts at `offset`. */
  seek(target: TopicPartition & { offset: StartPosition }): void {
    const st = this.owned.get(key(target));
    if (!st) throw new InvalidInputError(`${target.topic}/${target.partition} is not assigned to this consumer`);
    st.position = target.offset;
    st.epoch++;
    st.failures = 0;
    st.retryAt = 0;
    this.fetchAbort?.abort();
  }

  pause(partitions: TopicPartition[]): void {
    for (const p of partitions) {
      const st = this.owned.get(key(p));
      if (st) {
        st.paused = true;
        st.epoch++;
      }
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const p of partitions) {
      const st = this.owned.get(key(p));
      if (st) st.paused = false;
    }
    this.fetchAbort?.abort();
    this.wake?.();
  }

  paused(): TopicPartition[] {
    return [...this.owned.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Commits `offsets` (each the next offset to read), or by default the position of every owned partition that
   * moved since its last commit.
   */
  async commit(offsets?: OffsetCommit[]): Promise<void> {
    const group = this.options.groupId;
    if (group === undefined) throw new InvalidInputError("commit() needs a groupId");
    const list = offsets ?? this.uncommitted();
    if (list.length === 0) return;
    const body: Record<string, unknown> = { offsets: list };
    if (this.topics) {
      const m = this.member;
      if (!m)
        throw new MemberFencedError(
          409,
          { type: "urn:strata:problem:unknown-member", detail: "not in the group" },
          undefined,
        );
      body.memberId = m.memberId;
      body.memberEpoch = m.memberEpoch;
    }
    this.options.onCommitting?.(list);
    await this.http.json("POST", `/v1/groups/${seg(group)}/offsets`, { json: body });
    for (const o of list) {
      const st = this.owned.get(key(o));
      if (st) st.committed = o.offset;
    }
    this.lastCommitAt = Date.now();
    this.options.onCommit?.(list);
  }

  /**
   * The consumer as an async iterator, instead of run(): each message once the loop body that got the previous one
   * is done; leaving the loop closes the consumer (commit, onRevoked, leave the group).
   * @example
   * for await (const message of consumer) console.log(message.topic, message.offset, message.value?.toString());
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return consumerIterator(this);
  }

  /** For consumer-iterator.ts: called first thing in close(), so a message held by the iterator is let go. */
  onClosing(hook: () => void): void {
    this.closingHooks.push(hook);
  }

  /** Stops fetching, lets the handler finish the message in hand, commits, calls onRevoked and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closingHooks) hook();
    this.stopping = true;
    this.fetchAbort?.abort();
    this.wake?.();
    this.heartbeatNow?.();
    await this.loopDone;
    await this.heartbeatDone;
    await this.lock.run(async () => {
      if (this.topics && this.member) {
        const all = this.assignment();
        if (all.length > 0) this.reportRebalance([], all, []);
        await this.revoke(all);
      } else if (this.autoCommit) await this.commit().catch(() => {});
    });
    const m = this.member;
    this.member = undefined;
    if (m && this.options.groupId !== undefined) {
      await this.http
        .json("DELETE", `/v1/groups/${seg(this.options.groupId)}/members/${seg(m.memberId)}`)
        .catch(() => {}); // the lease expires anyway
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // the fetch loop

  private async loop(run: RunOptions): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (this.topics && !this.member) await this.join();
        this.checkOwnership();
        const ready = await this.fetchable();
        if (ready.length === 0) {
          await this.idle(100);
          continue;
        }
        const answer = await this.fetch(ready);
        // one partition's error is handled after the others' records are delivered
        let failed: unknown;
        for (const result of answer) {
          if (this.stopping) break;
          const st = ready.find((r) => r.topic === result.topic && r.partition === result.partition)!;
          const error = await this.deliver(st.state, st.epoch, result, run);
          failed ??= error;
        }
        await this.commitIfDue();
        if (failed !== undefined) throw failed;
        failures = 0;
      } catch (e) {
        if (this.stopping) break;
        if (e instanceof MemberFencedError) {
          await this.lose();
          continue;
        }
        if (e instanceof StrataClientError && (e.retriable || e.code === "aborted")) {
          if (e.code !== "aborted") {
            const delayMs = backoffMs(failures, { maxBackoffMs: 5000 });
            this.http.events.emit("retry", { operation: "fetch", attempt: failures++, delayMs, error: e });
            await sleep(delayMs);
          }
          continue;
        }
        this.fatal = e;
        this.stopping = true;
      }
    }
  }

  /**
   * Owned, unpaused partitions not waiting out a retry backoff, with a resolved start (committed offsets are read
   * for those without one).
   */
  private async fetchable(): Promise<{ topic: string; partition: number; state: PartitionState; epoch: number }[]> {
    const now = Date.now();
    const states = [...this.owned.values()].filter((s) => !s.paused && s.retryAt <= now);
    const unresolved = states.filter((s) => s.position === undefined);
    if (unresolved.length > 0) {
      const committed = this.options.groupId !== undefined ? await this.committedOffsets() : new Map();
      for (const s of unresolved) {
        if (s.position !== undefined) continue;
        const c = committed.get(key(s));
        s.committed = c ?? undefined;
        s.position = c ?? this.options.autoOffsetReset ?? "latest";
      }
    }
    return states.map((state) => ({ topic: state.topic, partition: state.partition, state, epoch: state.epoch }));
  }

  private async committedOffsets(): Promise<Map<string, number | null>> {
    const r = await this.http.json<{ offsets: PartitionOffset[] }>(
      "GET",
      `/v1/groups/${seg(this.options.groupId!)}/offsets`,
    );
    return new Map(r.offsets.map((o) => [key(o), o.offset]));
  }

  private async fetch(ready: { state: PartitionState }[]): Promise<FetchedPartition[]> {
    const partitions = ready.map(({ state: s }) => {
      const p = s.position!;
      return typeof p === "object"
        ? { topic: s.topic, partition: s.partition, timestamp: p.timestamp }
        : { topic: s.topic, partition: s.partition, offset: p };
    });
    const maxWaitMs = this.options.maxWaitMs ?? 5000;
    this.fetchAbort = new AbortController();
    try {
      const response = await this.http.request("POST", "/v1/fetch", {
        json: {
          partitions,
          maxWaitMs,
          maxBytes: this.options.maxBytes,
          maxRecords: this.options.maxRecordsPerPartition,
        },
        accept: BATCHES_MEDIA_TYPE,
        extraTimeoutMs: maxWaitMs,
        signal: this.fetchAbort.signal,
      });
      let body: Uint8Array;
      try {
        body = new Uint8Array(await response.arrayBuffer());
      } catch (cause) {
        if (this.fetchAbort.signal.aborted)
          throw new StrataClientError("aborted", "POST /v1/fetch: aborted", { cause });
        throw new NetworkError("POST /v1/fetch: the answer was cut", cause);
      }
      await zstdReady(); // a zstd batch decodes only once the codec has loaded
      return readFetchAnswer(body);
    } finally {
      this.fetchAbort = undefined;
    }
  }

  /** Auto-commit, once autoCommitIntervalMs has passed since the last commit. */
  private async commitIfDue(): Promise<void> {
    if (this.autoCommit && Date.now() - this.lastCommitAt >= (this.options.autoCommitIntervalMs ?? 5000)) {
      await this.lock
        .run(() => this.commit())
        .catch((e) => {
          this.lastCommitAt = Date.now(); // a failing server is asked again after the interval, not per message
          return this.onCommitError(e);
        });
    }
  }

  /**
   * Hands one partition's records to the handler; a revoked, sought or paused partition's records are dropped.
   * Returns the error that must stop or reset the whole consumer, if this partition's answer is one.
   */
  private async deliver(st: PartitionState, epoch: number, r: FetchedPartition, run: RunOptions): Promise<unknown> {
    const current = () => !this.stopping && this.owned.get(key(st)) === st && st.epoch === epoch && !st.paused;
    if (r.error) return this.partitionFailed(st, r.error, current);
    st.failures = 0;
    st.retryAt = 0;
    const { messages } = r;
    if (run.eachMessage) {
      for (const message of messages) {
        const done = await this.lock.run(async () => {
          if (!current() || !this.ownershipValid()) return false;
          await run.eachMessage!({ topic: st.topic, partition: st.partition, message });
          st.position = message.offset + 1;
          return true;
        });
        if (!done) return;
        // as kafkajs does: the interval holds within a long batch too, so a crash repeats at most that much work
        await this.commitIfDue();
      }
    } else if (messages.length > 0) {
      const done = await this.lock.run(async () => {
        if (!current() || !this.ownershipValid()) return false;
        let resolved: number | undefined;
        await run.eachBatch!({
          batch: { topic: st.topic, partition: st.partition, highWatermark: r.highWatermark ?? 0, messages },
          resolveOffset: (offset) => {
            resolved = offset + 1;
            if (current()) st.position = resolved;
          },
          commitOffsetsIfNecessary: () => (this.options.groupId !== undefined ? this.commit() : Promise.resolve()),
          isRunning: () => !this.stopping,
          isStale: () => !current(),
        });
        if (run.eachBatchAutoResolve === false) return resolved !== undefined && resolved === r.nextOffset;
        return true;
      });
      if (!done) return;
    }
    // Past gaps (compaction, trimmed answers): the next fetch starts where the server said.
    if (current() && r.nextOffset !== undefined) st.position = r.nextOffset;
    if (current() && r.highWatermark !== undefined && r.nextOffset !== undefined && r.nextOffset >= r.highWatermark) {
      this.options.onEndOfPartition?.({ topic: st.topic, partition: st.partition, highWatermark: r.highWatermark });
    }
  }

  /**
   * One partition's fetch failed. Out of range: move to autoOffsetReset. Retriable: report, then that partition
   * waits out its own backoff. Otherwise: pause it and report (or, with nobody to report to, stop the consumer).
   * An answer for a partition sought, paused or revoked since is stale and ignored.
   */
  private async partitionFailed(st: PartitionState, error: StrataClientError, current: () => boolean) {
    if (!current()) return undefined;
    if (error.code === "offset-out-of-range") {
      st.position = this.options.autoOffsetReset ?? "latest";
      st.epoch++;
      return undefined;
    }
    if (error instanceof MemberFencedError) return error;
    const report = this.options.onPartitionError;
    if (error.retriable) {
      st.retryAt = Date.now() + backoffMs(st.failures++, { initialBackoffMs: 100, maxBackoffMs: 5000 });
    } else {
      if (!report) return error;
      st.paused = true;
      st.epoch++;
    }
    const at = { topic: st.topic, partition: st.partition, offset: st.position! };
    if (report) await this.lock.run(async () => (this.owned.get(key(st)) === st ? report(error, at) : undefined));
    return undefined;
  }

  private uncommitted(): OffsetCommit[] {
    const out: OffsetCommit[] = [];
    for (const s of this.owned.values()) {
      if (typeof s.position === "number" && s.position !== s.committed)
        out.push({ topic: s.topic, partition: s.partition, offset: s.position });
    }
    return out;
  }

  private async onCommitError(e: unknown): Promise<void> {
    // An auto-commit that lost a race with a rebalance is retried at the next interval; fencing means rejoin.
    if (e instanceof MemberFencedError && e.code !== "not-owner") throw e;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // membership

  private groupPath(): string {
    return `/v1/groups/${seg(this.options.groupId!)}`;
  }

  private async join(): Promise<void> {
    // A client-chosen member id (KIP-1082), fresh per join; the joinId makes a join retried after a lost answer
    // find the incarnation it created (without it the server would fence that one and start another).
    const memberId = randomId();
    const joinId = randomId();
    let sentAt = Date.now();
    const r = await this.http.retrying(
      "join-group",
      () => {
        sentAt = Date.now();
        return this.http.json<JoinAnswer>("POST", `${this.groupPath()}/members`, {
          json: { topics: this.topics, sessionTimeoutMs: this.sessionTimeoutMs, memberId, joinId },
        });
      },
      { shouldStop: () => this.stopping, maxBackoffMs: 1000 },
    );
    const session = r.sessionTimeoutMs ?? this.sessionTimeoutMs;
    this.member = {
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      sessionTimeoutMs: session,
      ownedUntil: sentAt + ownershipWindowMs(session),
    };
    await this.lock.run(() => this.reconcile(r.assignments));
  }

  private heartbeatIntervalMs(): number {
    const session = this.member?.sessionTimeoutMs ?? this.sessionTimeoutMs;
    return this.options.heartbeatIntervalMs ?? Math.max(50, Math.min(3000, Math.floor(session / 10)));
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.heartbeatIntervalMs());
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.heartbeatNow = done;
      });
      if (this.stopping) return;
      const m = this.member;
      if (!m) continue;
      try {
        await this.heartbeat(m);
      } catch (e) {
        if (e instanceof MemberFencedError && this.member === m) await this.lose();
        // other failures: the next beat retries; ownership ends on its own if none succeeds in time
      }
    }
  }

  private async heartbeat(m: Membership): Promise<void> {
    const sentAt = Date.now();
    const r = await this.http.json<{ memberEpoch: number; assignments: TopicPartition[] }>(
      "POST",
      `${this.groupPath()}/members/${seg(m.memberId)}/heartbeat`,
      { json: { memberEpoch: m.memberEpoch, owned: this.assignment() } },
    );
    if (this.member !== m) return;
    m.memberEpoch = r.memberEpoch;
    m.ownedUntil = sentAt + ownershipWindowMs(m.sessionTimeoutMs);
    await this.lock.run(() => this.reconcile(r.assignments));
  }

  /** Applies an assignment: revokes what is no longer listed (commit first), adds what is new. */
  private async reconcile(assignments: TopicPartition[]): Promise<void> {
    if (this.stopping) return;
    const listed = new Set(assignments.map(key));
    const revoked = this.assignment().filter((tp) => !listed.has(key(tp)));
    const added = assignments.filter((tp) => !this.owned.has(key(tp)));
    if (revoked.length > 0 || added.length > 0) this.reportRebalance(added, revoked, []);
    if (revoked.length > 0) {
      await this.revoke(revoked);
      this.heartbeatNow?.(); // tell the coordinator now, so the new owner can start
    }
    if (added.length > 0) {
      for (const tp of added) this.stateFor(tp);
      await this.options.onAssigned?.(added);
      this.fetchAbort?.abort(); // the long poll in flight does not include them
    }
  }

  private async revoke(partitions: TopicPartition[]): Promise<void> {
    if (this.autoCommit && this.ownershipValid()) {
      const ids = new Set(partitions.map(key));
      const offsets = this.uncommitted().filter((o) => ids.has(key(o)));
      await this.commit(offsets).catch(() => {}); // fenced: the offsets stay where they were, nothing worse
    }
    try {
      await this.options.onRevoked?.(partitions);
    } finally {
      for (const tp of partitions) this.owned.delete(key(tp));
    }
  }

  /** Fenced or expired: every partition is gone without a commit; the loop joins again. */
  private async lose(): Promise<void> {
    await this.lock.run(async () => {
      const lost = this.assignment();
      if (lost.length > 0) this.reportRebalance([], [], lost);
      this.owned.clear();
      this.member = undefined;
      if (lost.length > 0) await this.options.onLost?.(lost);
    });
  }

  private reportRebalance(assigned: TopicPartition[], revoked: TopicPartition[], lost: TopicPartition[]): void {
    const m = this.member;
    this.http.events.emit("rebalance", {
      group: this.options.groupId ?? "",
      memberId: m?.memberId ?? "",
      memberEpoch: m?.memberEpoch ?? -1,
      assigned,
      revoked,
      lost,
    });
  }

  private ownershipValid(): boolean {
    return !this.topics || (this.member !== undefined && Date.now() < this.member.ownedUntil);
  }

  private checkOwnership(): void {
    if (this.topics && this.member && !this.ownershipValid()) {
      throw new MemberFencedError(
        409,
        { type: "urn:strata:problem:unknown-member", detail: "session lapsed" },
        undefined,
      );
    }
  }

  private stateFor(tp: TopicPartition): PartitionState {
    if (!tp || typeof tp.topic !== "string" || !Number.isInteger(tp.partition) || tp.partition < 0)
      throw new InvalidInputError("a partition is {topic, partition}");
    let st = this.owned.get(key(tp));
    if (!st) {
      st = {
        topic: tp.topic,
        partition: tp.partition,
        position: undefined,
        committed: undefined,
        paused: false,
        epoch: 0,
        failures: 0,
        retryAt: 0,
      };
      this.owned.set(key(tp), st);
    }
    return st;
  }
}

/** The coordinator renews a lease only every third of a session, so a member keeps ownership for 2/3 of it. */
export const ownershipWindowMs = (sessionTimeoutMs: number): number => Math.floor((sessionTimeoutMs * 2) / 3);
