/**
 * Consumer lag as a metric: per group, the sum over its committed partitions of highWatermark - committed.
 * The scheduled maintenance function reports it every run, so an alarm can watch the worst group.
 */
import type { GroupCoordinator } from "../groups/coordinator.js";
import { mapLimit } from "../log/topics.js";
import type { Metrics } from "./metrics.js";

/** At most this many groups are measured per run, so one run stays cheap whatever the number of groups. */
export const MAX_GROUPS_PER_RUN = 200;

export async function reportConsumerLag(
  groups: Pick<GroupCoordinator, "listGroups" | "fetchOffsets">,
  metrics: Metrics,
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
    if (lag === undefined) return;
    out.set(group, lag);
    metrics.gauge("ConsumerLag", lag, { Group: group });
    metrics.gauge("ConsumerLag", lag); // the worst group, without dimensions: what the alarm watches
  });
  return out;
}
