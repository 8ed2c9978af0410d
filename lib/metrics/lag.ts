/**
 * Consumer lag as a metric (computed by lib/groups/lag.ts). In CloudWatch: one gauge per group (dimension Group)
 * and, from the same line, the metric without dimensions holding the worst group, which is what the alarm
 * watches; the scheduled maintenance function reports it every run. On /metrics: one gauge per group, topic and
 * partition (lib/prometheus reports those).
 */
import type { Metrics } from "./metrics.js";

export function reportConsumerLag(lags: ReadonlyMap<string, number>, metrics: Metrics): void {
  for (const [group, lag] of lags) metrics.gauge("ConsumerLag", lag, { Group: group });
}

/** One partition's lag for a group (lib/groups/lag.ts partitionLags). */
export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

export function reportPartitionLags(lags: readonly PartitionLag[], metrics: Metrics): void {
  for (const l of lags) {
    metrics.gauge("ConsumerLag", l.lag, { Group: l.group, Topic: l.topic, Partition: String(l.partition) });
  }
}
