/**
 * Consumer lag per group: the sum over its committed partitions of highWatermark - committed. Computed here,
 * beside the offsets it reads; lib/metrics only reports the figures.
 */
import { mapLimit } from "../util/map-limit.js";
import type { GroupCoordinator } from "./coordinator.js";

/** At most this many groups are measured per call, so one maintenance run stays cheap whatever the number of groups. */
export const MAX_GROUPS_PER_RUN = 200;

/** Lag per group; a group deleted while it is measured is left out. */
export async function consumerLags(
  groups: Pick<GroupCoordinator, "listGroups" | "fetchOffsets">,
): Promise<Map<string, number>> {
  const names = (await groups.listGroups()).slice(0, MAX_GROUPS_PER_RUN);
  const lags = await mapLimit(names, 8, async (group) => {
    try {
      const { offsets } = await groups.fetchOffsets(group);
      return offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
    } catch {
      return undefined; // deleted meanwhile
    }
  });
  const out = new Map<string, number>();
  names.forEach((group, i) => {
    const lag = lags[i];
    if (lag !== undefined) out.set(group, lag);
  });
  return out;
}

/** One committed partition's lag for a group (what /metrics reports per group, topic and partition). */
export interface PartitionLagReading {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/** Lag per group and committed partition, over at most MAX_GROUPS_PER_RUN groups; a group deleted meanwhile is left out. */
export async function partitionLags(
  groups: Pick<GroupCoordinator, "listGroups" | "fetchOffsets">,
): Promise<PartitionLagReading[]> {
  const names = (await groups.listGroups()).slice(0, MAX_GROUPS_PER_RUN);
  const perGroup = await mapLimit(names, 8, async (group) => {
    try {
      const { offsets } = await groups.fetchOffsets(group);
      return offsets.flatMap((o) =>
        o.lag === null ? [] : [{ group, topic: o.topic, partition: o.partition, lag: o.lag }],
      );
    } catch {
      return []; // deleted meanwhile
    }
  });
  return perGroup.flat();
}
