/**
 * Pure state transitions on a group record: expiry, topic refresh, and the per-member reconciliation that
 * moves a member's assignment toward its target without ever listing a partition another live member may
 * still hold. The coordinator persists the result with one conditional write.
 */
import { computeTarget, type TargetAssignment } from "./assignor.js";
import { getOwn, type PartitionKey, sameSet, setOwn, toKeySet, toStored } from "./partitions.js";
import { type GroupRecord, isLive, leaseEnd, liveMemberIds, type MemberRecord, type TopicRecord } from "./state.js";

/**
 * Drops members whose lease has ended, and fenced holds whose time is up; their partitions are free again.
 * Returns the member ids removed (a hold ending changes no target, only what is busy).
 */
export function removeExpired(g: GroupRecord, now: number): string[] {
  const gone = Object.keys(g.members).filter((id) => !isLive(g.members[id]!, now));
  for (const id of gone) delete g.members[id];
  g.fenced = g.fenced.filter((h) => h.until > now);
  return gone;
}

/**
 * Replaces a member's incarnation by a new one (a join from another process, or a restart, naming its id): the
 * old epoch is fenced from now on, and what the old incarnation may hold stays busy until its lease would have
 * ended. The new incarnation starts with nothing; reconcile gives it partitions as they are free.
 */
export function replaceIncarnation(g: GroupRecord, memberId: string, next: MemberRecord): void {
  const old = g.members[memberId]!;
  const partitions = toStored([...toKeySet(old.assigned), ...toKeySet(old.revoking)]);
  if (Object.keys(partitions).length > 0) {
    g.fenced.push({ memberId, memberEpoch: old.memberEpoch, until: leaseEnd(old), partitions });
  }
  setOwn(g.members, memberId, next);
}

/** Every topic some member subscribes to. */
export function subscribedTopics(g: GroupRecord): string[] {
  return [...new Set(Object.values(g.members).flatMap((m) => m.topics))].sort();
}

/**
 * Brings the stored topic view up to date with the catalog (null: the topic does not exist). Partition
 * counts only grow for one topic id: a coordinator that read the catalog before a concurrent increase must
 * not shrink what another one already stored. Returns true when the view changed.
 */
export function refreshTopics(g: GroupRecord, catalog: ReadonlyMap<string, { id: string; partitions: number } | null>) {
  const next: Record<string, TopicRecord> = {};
  for (const topic of subscribedTopics(g)) {
    const seen = catalog.get(topic);
    if (!seen) continue;
    const stored = getOwn(g.topics, topic);
    const partitions = stored && stored.id === seen.id ? Math.max(stored.partitions, seen.partitions) : seen.partitions;
    setOwn(next, topic, { id: seen.id, partitions });
  }
  const changed = JSON.stringify(next) !== JSON.stringify(sortedRecord(g.topics));
  g.topics = next;
  return changed;
}

const sortedRecord = <T>(r: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The target assignment for the live members, from what each was told (the stickiness basis). */
export function targetOf(g: GroupRecord, now: number): TargetAssignment {
  const members = liveMemberIds(g, now).map((memberId) => ({
    memberId,
    topics: g.members[memberId]!.topics,
    current: toKeySet(g.members[memberId]!.assigned),
  }));
  const counts = Object.fromEntries(Object.entries(g.topics).map(([t, r]) => [t, r.partitions]));
  return computeTarget(members, counts);
}

/**
 * Moves one member toward its target. Safety rests on one rule: a partition enters a member's `assigned`
 * only when no other live member has it in `assigned` or `revoking`. Revoked partitions go to `revoking`
 * and leave it only when a heartbeat at the member's current epoch reports it no longer holds them
 * (`owned`; undefined means "no information", e.g. a join, so nothing is released).
 * The member's epoch bumps when its `assigned` changes. Returns true when the member's record changed.
 */
export function reconcile(g: GroupRecord, memberId: string, owned: ReadonlySet<PartitionKey> | undefined, now: number) {
  const m = g.members[memberId]!;
  const target = targetOf(g, now).get(memberId) ?? new Set<PartitionKey>();
  const assigned = toKeySet(m.assigned);
  const revoking = toKeySet(m.revoking);

  const nextRevoking = new Set([...revoking].filter((k) => owned === undefined || owned.has(k)));
  const nextAssigned = new Set<PartitionKey>();
  for (const k of assigned) (target.has(k) ? nextAssigned : nextRevoking).add(k);

  const busy = new Set<PartitionKey>();
  for (const h of g.fenced) if (h.until > now) for (const k of toKeySet(h.partitions)) busy.add(k);
  for (const id of liveMemberIds(g, now)) {
    if (id === memberId) continue;
    for (const k of toKeySet(g.members[id]!.assigned)) busy.add(k);
    for (const k of toKeySet(g.members[id]!.revoking)) busy.add(k);
  }
  for (const k of target) {
    if (nextAssigned.has(k)) continue;
    // A partition this member is still releasing is its own to keep; any other must be free.
    if (nextRevoking.delete(k) || !busy.has(k)) nextAssigned.add(k);
  }

  const assignedChanged = !sameSet(assigned, nextAssigned);
  const changed = assignedChanged || !sameSet(revoking, nextRevoking);
  if (assignedChanged) {
    m.previousEpoch = m.memberEpoch;
    m.memberEpoch = ++g.lastMemberEpoch;
  }
  m.assigned = toStored(nextAssigned);
  m.revoking = toStored(nextRevoking);
  return changed;
}
