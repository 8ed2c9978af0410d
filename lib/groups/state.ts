/**
 * Ledger layout of a group (pk prefixes "grp#" and "groups" belong to this module; see docs/GROUPS.md):
 *
 *   pk "groups",      sk <group>                     the listing: one small item per group
 *   pk "grp#<group>", sk "state"                     membership, leases, assignments (one bounded item)
 *   pk "grp#<group>", sk "o#<topic>#<partition:10>"  one committed offset per partition
 *
 * The state item carries a `version` that every change of it bumps with a conditional write, so
 * coordinators running concurrently (many Lambdas) never lose each other's updates.
 */
import { z } from "zod";
import type { Attrs, AttrValue, Item, ItemKey } from "../storage/ledger.js";
import { decodeItem } from "../util/ledger-item.js";
import type { StoredPartitions } from "./partitions.js";

export const LISTING_PK = "groups";
export const STATE_SK = "state";
export const OFFSET_PREFIX = "o#";

export const groupPk = (group: string): string => `grp#${group}`;
export const stateKey = (group: string): ItemKey => ({ pk: groupPk(group), sk: STATE_SK });
export const listingKey = (group: string): ItemKey => ({ pk: LISTING_PK, sk: group });
export const offsetKey = (group: string, topic: string, partition: number): ItemKey => ({
  pk: groupPk(group),
  sk: `${OFFSET_PREFIX}${topic}#${String(partition).padStart(10, "0")}`,
});

export interface MemberRecord {
  topics: string[];
  sessionTimeoutMs: number;
  memberEpoch: number;
  /** the epoch before the last bump: a heartbeat carrying it is a member whose last answer was lost */
  previousEpoch: number;
  /** server time of the last lease write; the lease ends at renewedAt + sessionTimeoutMs */
  renewedAt: number;
  /** what the member was last told it may own */
  assigned: StoredPartitions;
  /** revoked partitions the member may still hold until a heartbeat at its current epoch leaves them out */
  revoking: StoredPartitions;
  /** the joinId of the join that started this incarnation, if it sent one (a retry repeats it) */
  joinId?: string;
}

/**
 * What an incarnation replaced by a newer join of the same memberId may still hold: busy for everyone until its
 * lease would have ended (`until`), or until it leaves naming its epoch. It is fenced, so it can neither renew
 * nor commit; the entry only keeps its partitions from being given to anyone while it may still consume them.
 */
export interface FencedHold {
  memberId: string;
  memberEpoch: number;
  until: number;
  partitions: StoredPartitions;
}

export interface TopicRecord {
  id: string;
  partitions: number;
}

export interface GroupRecord {
  version: number;
  /** bumps whenever the target assignment's inputs change: membership, subscriptions, partition counts */
  groupEpoch: number;
  /** source of member epochs: unique across the group's life, so a stale request never matches a new member */
  lastMemberEpoch: number;
  members: Record<string, MemberRecord>;
  /** the subscribed topics as last seen: partitions only grow for one topic id */
  topics: Record<string, TopicRecord>;
  /** replaced incarnations whose partitions are not free yet (docs/GROUPS.md, "One memberId, two processes") */
  fenced: FencedHold[];
}

export const emptyGroup = (): GroupRecord => ({
  version: 0,
  groupEpoch: 0,
  lastMemberEpoch: 0,
  members: {},
  topics: {},
  fenced: [],
});

export function encodeGroup(g: GroupRecord): Attrs {
  return {
    version: g.version,
    groupEpoch: g.groupEpoch,
    lastMemberEpoch: g.lastMemberEpoch,
    members: g.members as unknown as AttrValue,
    topics: g.topics as unknown as AttrValue,
    fenced: g.fenced as unknown as AttrValue,
  };
}

const int = z.number().int();
const storedPartitions = z.record(z.string(), z.array(int));
const memberRecord = z.object({
  topics: z.array(z.string()),
  sessionTimeoutMs: z.number(),
  memberEpoch: int,
  previousEpoch: int,
  renewedAt: z.number(),
  assigned: storedPartitions,
  revoking: storedPartitions,
  joinId: z.string().optional(),
});
const groupAttrs = z.object({
  version: int,
  groupEpoch: int,
  lastMemberEpoch: int,
  members: z.record(z.string(), memberRecord).optional(),
  topics: z.record(z.string(), z.object({ id: z.string(), partitions: int })).optional(),
  fenced: z
    .array(z.object({ memberId: z.string(), memberEpoch: int, until: z.number(), partitions: storedPartitions }))
    .optional(),
});

/** The state item, checked (CORRUPT_DATA naming its key if malformed); a fresh copy the caller may change. */
export function decodeGroup(item: Item): GroupRecord {
  const a = decodeItem(groupAttrs, item, "group state");
  return {
    version: a.version,
    groupEpoch: a.groupEpoch,
    lastMemberEpoch: a.lastMemberEpoch,
    members: a.members ?? {},
    topics: a.topics ?? {},
    fenced: a.fenced ?? [],
  };
}

export const leaseEnd = (m: MemberRecord): number => m.renewedAt + m.sessionTimeoutMs;
export const isLive = (m: MemberRecord, now: number): boolean => now < leaseEnd(m);

export function liveMemberIds(g: GroupRecord, now: number): string[] {
  return Object.keys(g.members)
    .filter((id) => isLive(g.members[id]!, now))
    .sort();
}

export interface StoredOffset {
  topic: string;
  partition: number;
  /** the topic incarnation the commit belongs to */
  topicId: string;
  offset: number;
  metadata: string;
  committedAt: number;
}

const storedOffset = z.object({
  topic: z.string(),
  partition: int.nonnegative(),
  topicId: z.string(),
  offset: int,
  metadata: z.string(),
  committedAt: z.number(),
});

/** A committed offset item, checked (CORRUPT_DATA naming its key if malformed). */
export function decodeOffset(item: Item): StoredOffset {
  return decodeItem(storedOffset, item, "committed offset");
}
