/**
 * Consumer lag as a metric (computed by lib/groups/lag.ts): one gauge per group, and one without dimensions
 * holding the worst group, which is what the alarm watches. The scheduled maintenance function reports it
 * every run.
 */
import type { Metrics } from "./metrics.js";

export function reportConsumerLag(lags: ReadonlyMap<string, number>, metrics: Metrics): void {
  for (const [group, lag] of lags) {
    metrics.gauge("ConsumerLag", lag, { Group: group });
    metrics.gauge("ConsumerLag", lag);
  }
}
