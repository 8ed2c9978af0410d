/**
 * The server-side assignor: a pure function from (live members, their subscriptions, what each currently
 * holds, partition counts) to a target assignment. It is
 * - deterministic: members and partitions are visited in a fixed order and ties break by member id, so
 *   every coordinator (every Lambda) computes the same target from the same stored state;
 * - sticky: a member keeps every partition it holds that it still subscribes to, unless balance forces a move;
 * - balanced: it moves partitions from a member with at least two more than another member that may take
 *   them (half the difference at a time) until no such pair exists. Members with the same subscription can take each other's
 *   partitions, so their counts end up differing by at most one. Each step lowers the sum of squared
 *   counts, so the loop ends.
 */
import { getOwn, type PartitionKey, partitionKey } from "./partitions.js";

export interface AssignorMember {
  memberId: string;
  topics: readonly string[];
  /** the stickiness basis: partitions the member currently holds */
  current: ReadonlySet<PartitionKey>;
}

/** memberId -> target partitions */
export type TargetAssignment = Map<string, Set<PartitionKey>>;

export function computeTarget(
  members: readonly AssignorMember[],
  partitionCounts: Readonly<Record<string, number>>,
): TargetAssignment {
  const ordered = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const subs = new Map(ordered.map((m) => [m.memberId, new Set(m.topics)]));
  const target: TargetAssignment = new Map(ordered.map((m) => [m.memberId, new Set<PartitionKey>()]));
  // Every subscribed partition, in the one fixed order (topic, then partition); its index is its rank.
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  const rank = new Map<PartitionKey, number>();
  const topicOf = new Map<PartitionKey, string>();
  for (const topic of topics) {
    for (let p = 0; p < (getOwn(partitionCounts, topic) ?? 0); p++) {
      const key = partitionKey(topic, p);
      rank.set(key, rank.size);
      topicOf.set(key, topic);
    }
  }
  const owner = new Map<PartitionKey, string>();

  // 1. Sticky: keep what each member holds and may still hold.
  for (const m of ordered) {
    const mine = [...m.current].filter((k) => rank.has(k)).sort((a, b) => rank.get(a)! - rank.get(b)!);
    for (const key of mine) {
      if (owner.has(key) || !subs.get(m.memberId)!.has(topicOf.get(key)!)) continue;
      owner.set(key, m.memberId);
      target.get(m.memberId)!.add(key);
    }
  }

  // 2. Place every other subscribed partition on the least-loaded member that subscribes to its topic.
  for (const topic of topics) {
    const eligible = ordered.filter((m) => subs.get(m.memberId)!.has(topic));
    for (let p = 0; p < (getOwn(partitionCounts, topic) ?? 0); p++) {
      const key = partitionKey(topic, p);
      if (owner.has(key)) continue;
      const chosen = leastLoaded(eligible, target);
      owner.set(key, chosen.memberId);
      target.get(chosen.memberId)!.add(key);
    }
  }

  // 3. Balance.
  while (moveOne(ordered, subs, target, rank, topicOf)) {}
  return target;
}

function leastLoaded(candidates: readonly AssignorMember[], target: TargetAssignment): AssignorMember {
  let best = candidates[0]!;
  for (const m of candidates) if (target.get(m.memberId)!.size < target.get(best.memberId)!.size) best = m;
  return best;
}

/** Evens out one pair: a most-loaded member and a least-loaded one that can take its partitions; false when balanced. */
function moveOne(
  ordered: readonly AssignorMember[],
  subs: ReadonlyMap<string, ReadonlySet<string>>,
  target: TargetAssignment,
  rank: ReadonlyMap<PartitionKey, number>,
  topicOf: ReadonlyMap<PartitionKey, string>,
): boolean {
  const size = (m: AssignorMember) => target.get(m.memberId)!.size;
  // Stable sorts over id-ordered members: ties break by member id.
  const byLoadDesc = [...ordered].sort((a, b) => size(b) - size(a));
  const byLoadAsc = [...ordered].sort((a, b) => size(a) - size(b));
  for (const from of byLoadDesc) {
    for (const to of byLoadAsc) {
      if (size(to) + 2 > size(from)) break;
      const takes = subs.get(to.memberId)!;
      // Move the highest-ranked partitions the receiver may take, enough to even out this pair:
      // the same choice on every coordinator.
      const movable = [...target.get(from.memberId)!]
        .filter((key) => takes.has(topicOf.get(key)!))
        .sort((a, b) => rank.get(b)! - rank.get(a)!)
        .slice(0, Math.floor((size(from) - size(to)) / 2));
      if (movable.length === 0) continue;
      for (const key of movable) {
        target.get(from.memberId)!.delete(key);
        target.get(to.memberId)!.add(key);
      }
      return true;
    }
  }
  return false;
}
