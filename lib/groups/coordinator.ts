/**
 * GroupCoordinator: Kafka-style consumer groups (KIP-848's server-side assignment) on the Ledger port.
 * One method per /v1/groups route. Stateless between calls, so any number of coordinators (Lambdas) may
 * serve one group: every change of a group's state is one conditional write on its `version`, retried
 * from the item the failed condition returns. docs/GROUPS.md explains the protocol and its safety.
 *
 * @example
 * const groups = new GroupCoordinator({ ledger, topics: log, clock: systemClock });
 * const { memberId, memberEpoch, assignments } = await groups.join("billing", { topics: ["orders"] });
 * await groups.heartbeat("billing", memberId, { memberEpoch, owned: assignments });
 */
import { InvalidArgumentError, isStrataError, StrataError } from "../errors.js";
import type { LogService } from "../log/service.js";
import type { TopicDescription } from "../log/types.js";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Item, type ItemKey, type Ledger, type WriteOp } from "../storage/ledger.js";
import { fencedMember, groupNotEmpty, groupNotFound, notOwner, tooMuchContention, unknownMember } from "./errors.js";
import {
  reconcile,
  refreshTopics,
  removeExpired,
  replaceIncarnation,
  subscribedTopics,
  targetOf,
} from "./membership.js";
import { getOwn, type PartitionKey, partitionKey, sameSet, setOwn, toKeySet, toList } from "./partitions.js";
import {
  decodeGroup,
  decodeOffset,
  emptyGroup,
  encodeGroup,
  type GroupRecord,
  groupPk,
  isLive,
  LISTING_PK,
  leaseEnd,
  listingKey,
  liveMemberIds,
  type MemberRecord,
  OFFSET_PREFIX,
  offsetKey,
  STATE_SK,
  type StoredOffset,
  stateKey,
} from "./state.js";
import type {
  CommitRequest,
  FetchOffsetsResult,
  GroupDescription,
  GroupState,
  HeartbeatRequest,
  HeartbeatResult,
  JoinOptions,
  JoinResult,
  LeaveOptions,
  PartitionOffset,
  ResetOptions,
  ResetResult,
  ResetTarget,
  TopicPartition,
} from "./types.js";
import {
  checkGroup,
  checkInt,
  checkMemberId,
  checkPartitions,
  checkResetTarget,
  checkTopic,
  checkTopics,
} from "./validate.js";

/**
 * What the coordinator needs from the log: topic ids, partition ranges, and offsets by time. topicMetadata (one read)
 * serves joins and heartbeats; commits check offsets against the high watermarks of the partitions they commit
 * (describePartitions); resets describe whole topics.
 */
export type TopicCatalog = Pick<LogService, "describeTopic" | "describePartitions" | "topicMetadata" | "fetch">;

export interface GroupCoordinatorDeps {
  ledger: Ledger;
  topics: TopicCatalog;
  clock: Clock;
  /** uniform in [0, 1); member ids are drawn from it (default: crypto) */
  random?: () => number;
}

export const DEFAULT_SESSION_TIMEOUT_MS = 45_000;
export const MIN_SESSION_TIMEOUT_MS = 1_000;
export const MAX_SESSION_TIMEOUT_MS = 30 * 60_000;
/**
 * A heartbeat that changes nothing writes the lease only once this fraction of the session has passed
 * since the last lease write. A member must therefore treat its ownership as ending
 * `sessionTimeoutMs * (1 - RENEW_AFTER_FRACTION)` after it sent its last successful heartbeat (docs/GROUPS.md).
 */
export const RENEW_AFTER_FRACTION = 1 / 3;
/** How long after sending its last successful heartbeat (or join) a member may keep its partitions. */
export const ownershipWindowMs = (sessionTimeoutMs: number): number =>
  Math.floor(sessionTimeoutMs * (1 - RENEW_AFTER_FRACTION));
/** Bounds that keep the one state item well under DynamoDB's 400 KB (docs/GROUPS.md). */
export const MAX_MEMBERS = 1_000;
export const MAX_STATE_BYTES = 300_000;
/** One commit is one transaction: the state check, the listing (first commit only) and one item per partition. */
export const MAX_COMMIT_PARTITIONS = 98;
/** Kafka's offset.metadata.max.bytes default. */
export const MAX_METADATA_LENGTH = 4_096;
const MAX_ATTEMPTS = 25;

/** One attempt's decision: the answer, and whether the (mutated) record must be written for it to hold. */
interface Step<R> {
  result: R;
  write: boolean;
  extraOps?: WriteOp[];
}

type TopicView = Map<string, { id: string; partitions: number } | null>;

export class GroupCoordinator {
  private readonly ledger: Ledger;
  private readonly topics: TopicCatalog;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(deps: GroupCoordinatorDeps) {
    this.ledger = deps.ledger;
    this.topics = deps.topics;
    this.clock = deps.clock;
    this.random = deps.random ?? cryptoRandom;
  }

  /** POST /v1/groups/{group}/members */
  async join(group: string, options: JoinOptions): Promise<JoinResult> {
    checkGroup(group);
    const topics = checkTopics(options?.topics, "topics");
    const sessionTimeoutMs = checkInt(
      options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      "sessionTimeoutMs",
      MIN_SESSION_TIMEOUT_MS,
      MAX_SESSION_TIMEOUT_MS,
    );
    const memberId = options.memberId === undefined ? this.newMemberId() : checkMemberId(options.memberId);
    const joinId = options.joinId === undefined ? undefined : checkMemberId(options.joinId, "joinId");
    const view: TopicView = new Map();

    return this.mutate(group, async (g, now, exists) => {
      if (removeExpired(g, now).length > 0) g.groupEpoch++;
      const existing = getOwn(g.members, memberId);
      // A retried join (its answer was lost) repeats its joinId: same incarnation; the caller holds nothing yet.
      const retry = existing !== undefined && joinId !== undefined && existing.joinId === joinId;
      if (retry) {
        if (existing.topics.join() !== topics.join()) g.groupEpoch++;
        existing.topics = topics;
        existing.sessionTimeoutMs = sessionTimeoutMs;
      } else {
        if (!existing && Object.keys(g.members).length >= MAX_MEMBERS) throw groupFull(group, "members");
        const memberEpoch = ++g.lastMemberEpoch;
        const fresh: MemberRecord = {
          topics,
          sessionTimeoutMs,
          memberEpoch,
          previousEpoch: memberEpoch,
          renewedAt: now,
          assigned: {},
          revoking: {},
          ...(joinId === undefined ? {} : { joinId }),
        };
        // Another process (or this one restarted) names a live member: a new incarnation that fences the old one.
        if (existing) replaceIncarnation(g, memberId, fresh);
        else setOwn(g.members, memberId, fresh);
        g.groupEpoch++;
      }
      const m = g.members[memberId]!;
      m.renewedAt = now;
      if (refreshTopics(g, await this.view(view, subscribedTopics(g)))) g.groupEpoch++;
      reconcile(g, memberId, undefined, now);
      if (!retry && JSON.stringify(encodeGroup(g)).length > MAX_STATE_BYTES) throw groupFull(group, "state size");
      return {
        result: { memberId, memberEpoch: m.memberEpoch, assignments: toList(toKeySet(m.assigned)), sessionTimeoutMs },
        write: true,
        extraOps: exists ? [] : [listingPut(group)],
      };
    });
  }

  /** POST /v1/groups/{group}/members/{memberId}/heartbeat */
  async heartbeat(group: string, memberId: string, request: HeartbeatRequest): Promise<HeartbeatResult> {
    checkGroup(group);
    checkMemberId(memberId);
    const memberEpoch = checkInt(request?.memberEpoch, "memberEpoch", 0);
    const owned = new Set(checkPartitions(request.owned, "owned").map((tp) => partitionKey(tp.topic, tp.partition)));
    const view: TopicView = new Map();

    return this.mutate(group, async (g, now, exists) => {
      const m = exists ? getOwn(g.members, memberId) : undefined;
      if (!m || !isLive(m, now)) throw unknownMember(group, memberId);
      if (memberEpoch !== m.memberEpoch && memberEpoch !== m.previousEpoch) {
        throw fencedMember(group, memberId, memberEpoch, m.memberEpoch);
      }
      let changed = false;
      if (removeExpired(g, now).length > 0) changed = true;
      if (refreshTopics(g, await this.view(view, subscribedTopics(g)))) changed = true;
      if (changed) g.groupEpoch++;
      // At the previous epoch the member has not seen its last answer: replay it, trust nothing it reports.
      if (memberEpoch === m.memberEpoch && reconcile(g, memberId, owned, now)) changed = true;
      if (changed || now - m.renewedAt >= m.sessionTimeoutMs * RENEW_AFTER_FRACTION) {
        m.renewedAt = now;
        changed = true;
      }
      return {
        result: { memberEpoch: m.memberEpoch, assignments: toList(toKeySet(m.assigned)) },
        write: changed,
      };
    });
  }

  /**
   * DELETE /v1/groups/{group}/members/{memberId}: the caller has stopped consuming; its partitions are free at once.
   * With `memberEpoch`, only the incarnation at that epoch leaves: the member itself at its current or previous
   * epoch, or a fenced incarnation's hold (a newer incarnation of the id is left alone).
   */
  async leave(group: string, memberId: string, options: LeaveOptions = {}): Promise<void> {
    checkGroup(group);
    checkMemberId(memberId);
    const epoch = options?.memberEpoch === undefined ? undefined : checkInt(options.memberEpoch, "memberEpoch", 0);
    await this.mutate(group, (g, now, exists) => {
      // Leaving twice (a retried request) is not an error.
      if (!exists) return { result: undefined, write: false };
      const m = getOwn(g.members, memberId);
      const current = m !== undefined && (epoch === undefined || epoch === m.memberEpoch || epoch === m.previousEpoch);
      const holds = g.fenced.length;
      if (epoch !== undefined) g.fenced = g.fenced.filter((h) => h.memberId !== memberId || h.memberEpoch !== epoch);
      if (!current && g.fenced.length === holds) return { result: undefined, write: false };
      if (current) {
        delete g.members[memberId];
        g.groupEpoch++;
      }
      removeExpired(g, now);
      return { result: undefined, write: true };
    });
  }

  /**
   * POST /v1/groups/{group}/offsets: all partitions or none, in one transaction that also checks the
   * group state's version, so the fencing decision and the commit are atomic. `checks` (in-process callers only:
   * a subscription's partition lease, lib/subscriptions) are conditions on other items, checked in the same
   * transaction: when one fails, nothing is committed and the ConditionFailedError reaches the caller.
   */
  async commitOffsets(group: string, request: CommitRequest, checks: WriteOp[] = []): Promise<void> {
    checkGroup(group);
    const { memberId, memberEpoch } = checkCommitIdentity(request);
    const offsets = checkCommitOffsets(request.offsets);
    const described = await this.describeCommitted(offsets);
    const puts: WriteOp[] = offsets.map((o, i) => {
      const topic = described.get(o.topic)!;
      const state = topic.partitions.find((p) => p.partition === o.partition);
      if (!state) {
        throw new StrataError("PARTITION_NOT_FOUND", `topic ${o.topic} has no partition ${o.partition}`, {
          details: { field: `offsets[${i}].partition`, topic: o.topic, partition: o.partition },
        });
      }
      if (o.offset > state.highWatermark) {
        throw new InvalidArgumentError(
          `offsets[${i}].offset`,
          `offset ${o.offset} is beyond ${o.topic}/${o.partition}'s highWatermark ${state.highWatermark}`,
        );
      }
      const stored: StoredOffset = {
        topic: o.topic,
        partition: o.partition,
        topicId: topic.id,
        offset: o.offset,
        metadata: o.metadata ?? "",
        committedAt: 0,
      };
      return { type: "put", key: offsetKey(group, o.topic, o.partition), attrs: { ...stored } };
    });

    let item = await this.ledger.get(stateKey(group));
    let lastConflict: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.clock.now();
      const current = item ? decodeGroup(item) : undefined;
      const guard =
        memberId === undefined
          ? standaloneGuard(group, current, now)
          : memberGuard(group, current, now, memberId, memberEpoch!, offsets);
      const stamped = puts.map((p) => (p.type === "put" ? { ...p, attrs: { ...p.attrs, committedAt: now } } : p));
      try {
        await this.ledger.transact([...guard, ...stamped, ...checks]);
        return;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
        // A caller's own check failed: its condition, not a race on the group, so not retried here.
        const first = guard.length + stamped.length;
        if (e.reasons.slice(first).some((r) => r.failed)) throw e;
        lastConflict = e;
        item = await this.itemAfterConflict(e, stateKey(group));
      }
    }
    throw tooMuchContention(group, lastConflict);
  }

  /** GET /v1/groups/{group}/offsets: an unknown group simply has no commits. */
  async fetchOffsets(group: string): Promise<FetchOffsetsResult> {
    checkGroup(group);
    const { state, offsets } = await this.readGroup(group);
    return { offsets: await this.offsetTable(state, offsets) };
  }

  /** GET /v1/groups */
  async listGroups(): Promise<string[]> {
    return (await this.ledger.query(LISTING_PK)).map((i) => i.sk);
  }

  /** GET /v1/groups/{group}: read-only; expired members are not shown (the next write removes them). */
  async describeGroup(group: string): Promise<GroupDescription> {
    checkGroup(group);
    const { state, offsets } = await this.readGroup(group);
    if (!state) throw groupNotFound(group);
    const now = this.clock.now();
    const target = targetOf(state, now);
    const members = liveMemberIds(state, now).map((memberId) => {
      const m = state.members[memberId]!;
      return {
        memberId,
        memberEpoch: m.memberEpoch,
        topics: m.topics,
        sessionTimeoutMs: m.sessionTimeoutMs,
        assignments: toList(toKeySet(m.assigned)),
        revoking: toList(toKeySet(m.revoking)),
        target: toList(target.get(memberId) ?? []),
        leaseExpiresAt: leaseEnd(m),
      };
    });
    const settled = members.every(
      (m) => m.revoking.length === 0 && sameSet(toKeySet(state.members[m.memberId]!.assigned), target.get(m.memberId)!),
    );
    const groupState: GroupState = members.length === 0 ? "Empty" : settled ? "Stable" : "Reconciling";
    return {
      group,
      state: groupState,
      groupEpoch: state.groupEpoch,
      members,
      offsets: await this.offsetTable(state, offsets),
    };
  }

  /** DELETE /v1/groups/{group}: only without live members; removes state, commits and the listing entry. */
  async deleteGroup(group: string): Promise<void> {
    checkGroup(group);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const items = await this.ledger.query(groupPk(group));
      const stateItem = items.find((i) => i.sk === STATE_SK);
      if (!stateItem) {
        if (items.length > 0) throw new StrataError("INTERNAL", `group ${group} has items but no state item`);
        throw groupNotFound(group);
      }
      const state = decodeGroup(stateItem);
      const live = liveMemberIds(state, this.clock.now()).length;
      if (live > 0) throw groupNotEmpty(group, live);
      const guard: Condition = { op: "eq", attr: "version", value: state.version };
      const others: WriteOp[] = items
        .filter((i) => i.sk !== STATE_SK)
        .map((i) => ({ type: "delete", key: { pk: i.pk, sk: i.sk } }));
      try {
        if (others.length + 2 <= MAX_BATCH) {
          // The state item goes last: a group whose state item exists is never missing commits it had.
          await this.ledger.transact([
            { type: "delete", key: stateKey(group), condition: guard },
            { type: "delete", key: listingKey(group) },
            ...others,
          ]);
          return;
        }
        await this.ledger.transact([
          { type: "check", key: stateKey(group), condition: guard },
          ...others.slice(0, MAX_BATCH - 1),
        ]);
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
    throw tooMuchContention(group, undefined);
  }

  /** POST /v1/groups/{group}/offsets/reset: only without live members. */
  async resetOffsets(group: string, options: ResetOptions): Promise<ResetResult> {
    checkGroup(group);
    const to = checkResetTarget(options?.to);
    const only = options.topics === undefined ? undefined : checkTopics(options.topics, "topics");
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { state, offsets } = await this.readGroup(group);
      if (!state && only === undefined) throw groupNotFound(group);
      const live = state ? liveMemberIds(state, this.clock.now()).length : 0;
      if (live > 0) throw groupNotEmpty(group, live);
      const topics = only ?? [...new Set(offsets.map((o) => o.topic))].sort();
      const described = await this.describeTopics(topics);
      const result: ResetResult["offsets"] = [];
      for (const topic of topics) {
        const d = described.get(topic)!;
        for (const p of d.partitions) {
          result.push({ topic, partition: p.partition, offset: await this.resolveReset(topic, p, to) });
        }
      }
      if (await this.writeReset(group, state, result, described)) return { offsets: result };
    }
    throw tooMuchContention(group, undefined);
  }

  // ---- internals ----

  /**
   * Read-decide-write on the group's state item, retried on a lost race from the item the failed
   * condition returns. The step gets a fresh copy it may mutate; `exists` says whether the item existed.
   */
  private async mutate<R>(
    group: string,
    step: (g: GroupRecord, now: number, exists: boolean) => Promise<Step<R>> | Step<R>,
  ): Promise<R> {
    let item = await this.ledger.get(stateKey(group));
    let lastConflict: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = item ? decodeGroup(item) : emptyGroup();
      const base = item ? g.version : undefined;
      const { result, write, extraOps } = await step(g, this.clock.now(), item !== undefined);
      if (!write) return result;
      g.version = (base ?? 0) + 1;
      const put: WriteOp = {
        type: "put",
        key: stateKey(group),
        attrs: encodeGroup(g),
        condition: base === undefined ? { op: "notExists" } : { op: "eq", attr: "version", value: base },
      };
      try {
        if (extraOps && extraOps.length > 0) await this.ledger.transact([put, ...extraOps]);
        else await this.ledger.write(put);
        return result;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
        lastConflict = e;
        item = await this.itemAfterConflict(e, stateKey(group));
      }
    }
    throw tooMuchContention(group, lastConflict);
  }

  /** The state item as the failed condition saw it (operation 0 is always the state item); read only if absent. */
  private async itemAfterConflict(e: ConditionFailedError, key: ItemKey): Promise<Item | undefined> {
    const reason = e.reasons[0];
    if (reason?.failed) return reason.item;
    return this.ledger.get(key);
  }

  private async readGroup(group: string): Promise<{ state: GroupRecord | undefined; offsets: StoredOffset[] }> {
    // One query returns the state item and every commit ("o#..." sorts before "state").
    const items = await this.ledger.query(groupPk(group));
    const stateItem = items.find((i) => i.sk === STATE_SK);
    const offsets = items.filter((i) => i.sk.startsWith(OFFSET_PREFIX)).map(decodeOffset);
    return { state: stateItem ? decodeGroup(stateItem) : undefined, offsets };
  }

  /** Per partition of every subscribed or committed topic: the commit for the topic's current incarnation. */
  private async offsetTable(state: GroupRecord | undefined, offsets: StoredOffset[]): Promise<PartitionOffset[]> {
    const now = this.clock.now();
    const subscribed = state ? liveMemberIds(state, now).flatMap((id) => state.members[id]!.topics) : ([] as string[]);
    const topics = [...new Set([...subscribed, ...offsets.map((o) => o.topic)])].sort();
    const byKey = new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), o]));
    const out: PartitionOffset[] = [];
    for (const topic of topics) {
      const d = await this.describeOrNull(topic);
      if (!d) continue;
      for (const p of d.partitions) {
        const c = byKey.get(partitionKey(topic, p.partition));
        const committed = c && c.topicId === d.id ? c : undefined;
        out.push({
          topic,
          partition: p.partition,
          offset: committed ? committed.offset : null,
          metadata: committed ? committed.metadata : null,
          highWatermark: p.highWatermark,
          lag: committed ? Math.max(0, p.highWatermark - committed.offset) : null,
        });
      }
    }
    return out;
  }

  private async resolveReset(
    topic: string,
    p: { partition: number; logStartOffset: number; highWatermark: number },
    to: ResetTarget,
  ): Promise<number> {
    if (to === "earliest") return p.logStartOffset;
    if (to === "latest") return p.highWatermark;
    if ("offset" in to) return Math.min(Math.max(to.offset, p.logStartOffset), p.highWatermark);
    const found = await this.topics.fetch(topic, p.partition, {
      offset: { timestamp: to.timestamp },
      maxRecords: 1,
      maxWaitMs: 0,
    });
    return found.records[0]?.offset ?? found.highWatermark;
  }

  /**
   * Writes reset offsets in chunks, each guarded by (and bumping) the state version; false on a lost race. The
   * topics were described once by the caller, for the offsets and the topic ids alike.
   */
  private async writeReset(
    group: string,
    state: GroupRecord | undefined,
    offsets: ResetResult["offsets"],
    described: Map<string, TopicDescription>,
  ): Promise<boolean> {
    const now = this.clock.now();
    let version = state?.version;
    const puts: WriteOp[] = offsets.map((o) => {
      const stored: StoredOffset = { ...o, topicId: described.get(o.topic)!.id, metadata: "", committedAt: now };
      return { type: "put", key: offsetKey(group, o.topic, o.partition), attrs: { ...stored } };
    });
    let i = 0;
    do {
      const guard: WriteOp[] =
        version === undefined
          ? [
              {
                type: "put",
                key: stateKey(group),
                attrs: encodeGroup({ ...emptyGroup(), version: 1 }),
                condition: { op: "notExists" },
              },
              listingPut(group),
            ]
          : [
              {
                type: "update",
                key: stateKey(group),
                add: { version: 1 },
                condition: { op: "eq", attr: "version", value: version },
              },
            ];
      const chunk = puts.slice(i, i + MAX_BATCH - guard.length);
      try {
        await this.ledger.transact([...guard, ...chunk]);
      } catch (e) {
        if (e instanceof ConditionFailedError) return false;
        throw e;
      }
      version = (version ?? 0) + 1;
      i += chunk.length;
    } while (i < puts.length);
    return true;
  }

  private async describeOrNull(topic: string): Promise<TopicDescription | null> {
    try {
      return await this.topics.describeTopic(topic);
    } catch (e) {
      if (isStrataError(e) && e.code === "TOPIC_NOT_FOUND") return null;
      throw e;
    }
  }

  /** Each committed topic with the states of the committed partitions only. */
  private async describeCommitted(
    offsets: { topic: string; partition: number }[],
  ): Promise<Map<string, TopicDescription>> {
    const byTopic = new Map<string, number[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o.partition]);
    const out = new Map<string, TopicDescription>();
    for (const [topic, partitions] of byTopic) out.set(topic, await this.topics.describePartitions(topic, partitions));
    return out;
  }

  /** Describes each topic once; a missing topic is the caller's error. */
  private async describeTopics(topics: string[]): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>();
    for (const t of new Set(topics)) out.set(t, await this.topics.describeTopic(t));
    return out;
  }

  /** Fills the per-request topic view (kept across retries of one request). */
  private async view(view: TopicView, topics: string[]): Promise<TopicView> {
    for (const t of topics) {
      if (view.has(t)) continue;
      view.set(t, await this.metadataOrNull(t));
    }
    return view;
  }

  /** A topic's id and partition count, or null if it does not exist: heartbeats need no partition heads. */
  private async metadataOrNull(topic: string): Promise<{ id: string; partitions: number } | null> {
    try {
      const m = await this.topics.topicMetadata(topic);
      return { id: m.id, partitions: m.partitions };
    } catch (e) {
      if (isStrataError(e) && e.code === "TOPIC_NOT_FOUND") return null;
      throw e;
    }
  }

  private newMemberId(): string {
    const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    let id = "m-";
    for (let i = 0; i < 22; i++) id += alphabet[Math.floor(this.random() * alphabet.length) % alphabet.length];
    return id;
  }
}

type Condition = Extract<WriteOp, { type: "check" }>["condition"];
const MAX_BATCH = 100;

const listingPut = (group: string): WriteOp => ({ type: "put", key: listingKey(group), attrs: { group } });

function groupFull(group: string, what: string): StrataError {
  return new InvalidArgumentError("group", `group ${group} is full (${what}); see docs/GROUPS.md for the limits`);
}

function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

function checkCommitIdentity(request: CommitRequest): { memberId?: string; memberEpoch?: number } {
  if (typeof request !== "object" || request === null) throw new InvalidArgumentError("", "must be an object");
  if (request.memberId === undefined) {
    if (request.memberEpoch !== undefined) throw new InvalidArgumentError("memberId", "memberEpoch needs a memberId");
    return {};
  }
  return {
    memberId: checkMemberId(request.memberId),
    memberEpoch: checkInt(request.memberEpoch, "memberEpoch", 0),
  };
}

function checkCommitOffsets(list: unknown): Required<CommitRequest["offsets"][number]>[] {
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError("offsets", "at least one offset");
  if (list.length > MAX_COMMIT_PARTITIONS) {
    throw new InvalidArgumentError("offsets", `at most ${MAX_COMMIT_PARTITIONS} partitions per commit`);
  }
  const seen = new Set<PartitionKey>();
  return list.map((o: Record<string, unknown>, i) => {
    const topic = checkTopic(o?.topic, `offsets[${i}].topic`);
    const partition = checkInt(o.partition, `offsets[${i}].partition`, 0);
    const offset = checkInt(o.offset, `offsets[${i}].offset`, 0);
    const metadata = o.metadata ?? "";
    if (typeof metadata !== "string" || metadata.length > MAX_METADATA_LENGTH) {
      throw new InvalidArgumentError(`offsets[${i}].metadata`, `a string of at most ${MAX_METADATA_LENGTH} characters`);
    }
    const key = partitionKey(topic, partition);
    if (seen.has(key)) throw new InvalidArgumentError(`offsets[${i}]`, `${key} appears twice`);
    seen.add(key);
    return { topic, partition, offset, metadata };
  });
}

/** Standalone commits (no member): allowed while nobody is live; bumps the version so deletes and resets notice. */
function standaloneGuard(group: string, current: GroupRecord | undefined, now: number): WriteOp[] {
  if (!current) {
    return [
      {
        type: "put",
        key: stateKey(group),
        attrs: encodeGroup({ ...emptyGroup(), version: 1 }),
        condition: { op: "notExists" },
      },
      listingPut(group),
    ];
  }
  const live = liveMemberIds(current, now).length;
  if (live > 0) throw groupNotEmpty(group, live);
  return [
    {
      type: "update",
      key: stateKey(group),
      add: { version: 1 },
      condition: { op: "eq", attr: "version", value: current.version },
    },
  ];
}

/**
 * A member's commit: live, at its current epoch or the one before (its last answer may have been lost),
 * and holding every partition (assigned, or revoked but not yet released: Kafka's commit-on-revoke).
 * The state item is only checked, so commits do not contend with each other.
 */
function memberGuard(
  group: string,
  current: GroupRecord | undefined,
  now: number,
  memberId: string,
  memberEpoch: number,
  offsets: TopicPartition[],
): WriteOp[] {
  const m = current ? getOwn(current.members, memberId) : undefined;
  if (!current || !m || !isLive(m, now)) throw unknownMember(group, memberId);
  if (memberEpoch !== m.memberEpoch && memberEpoch !== m.previousEpoch) {
    throw fencedMember(group, memberId, memberEpoch, m.memberEpoch);
  }
  const holds = new Set([...toKeySet(m.assigned), ...toKeySet(m.revoking)]);
  for (const o of offsets) {
    if (!holds.has(partitionKey(o.topic, o.partition))) throw notOwner(group, memberId, o.topic, o.partition);
  }
  return [{ type: "check", key: stateKey(group), condition: { op: "eq", attr: "version", value: current.version } }];
}
