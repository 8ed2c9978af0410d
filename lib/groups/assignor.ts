/**
 * The server-side assignor: a pure function from (live members, their subscriptions, what each currently
 * holds, partition counts) to a target assignment. It is
 * - deterministic: members and partitions are visited in a fixed order and ties break by member id, so
 *   every coordinator (every Lambda) computes the same target from the same stored state;
 * - sticky: a member keeps every partition it holds that it still subscribes to, unless balance forces a move;
 * - balanced: it moves single partitions from a member with at least two more than another member that may
 *   take one until no such pair exists. Members with the same subscription can take each other's
 *   partitions, so their counts end up differing by at most one. Each move lowers the sum of squared counts,
 *   so the loop ends.
 */
import { type PartitionKey, parseKey, partitionKey, sortKeys } from "./partitions.js";

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
  const owner = new Map<PartitionKey, string>();
  const exists = (key: PartitionKey) => {
    const { topic, partition } = parseKey(key);
    return partition < (partitionCounts[topic] ?? 0);
  };

  // 1. Sticky: keep what each member holds and may still hold.
  for (const m of ordered) {
    for (const key of sortKeys(m.current)) {
      if (owner.has(key) || !exists(key) || !subs.get(m.memberId)!.has(parseKey(key).topic)) continue;
      owner.set(key, m.memberId);
      target.get(m.memberId)!.add(key);
    }
  }

  // 2. Place every other subscribed partition on the least-loaded member that subscribes to its topic.
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const eligible = ordered.filter((m) => subs.get(m.memberId)!.has(topic));
    for (let p = 0; p < (partitionCounts[topic] ?? 0); p++) {
      const key = partitionKey(topic, p);
      if (owner.has(key)) continue;
      const chosen = leastLoaded(eligible, target);
      owner.set(key, chosen.memberId);
      target.get(chosen.memberId)!.add(key);
    }
  }

  // 3. Balance.
  while (moveOne(ordered, subs, target)) {}
  return target;
}

function leastLoaded(candidates: readonly AssignorMember[], target: TargetAssignment): AssignorMember {
  let best = candidates[0]!;
  for (const m of candidates) if (target.get(m.memberId)!.size < target.get(best.memberId)!.size) best = m;
  return best;
}

/** Moves one partition from a most-loaded member to a least-loaded one that can take it; false when balanced. */
function moveOne(
  ordered: readonly AssignorMember[],
  subs: ReadonlyMap<string, ReadonlySet<string>>,
  target: TargetAssignment,
): boolean {
  const size = (m: AssignorMember) => target.get(m.memberId)!.size;
  const byLoadDesc = [...ordered].sort((a, b) => size(b) - size(a));
  const byLoadAsc = [...ordered].sort((a, b) => size(a) - size(b));
  for (const from of byLoadDesc) {
    for (const to of byLoadAsc) {
      if (size(to) + 2 > size(from)) break;
      const takes = subs.get(to.memberId)!;
      // Move the last partition in order: the same choice on every coordinator.
      const movable = sortKeys(target.get(from.memberId)!)
        .reverse()
        .find((key) => takes.has(parseKey(key).topic));
      if (movable === undefined) continue;
      target.get(from.memberId)!.delete(movable);
      target.get(to.memberId)!.add(movable);
      return true;
    }
  }
  return false;
}
