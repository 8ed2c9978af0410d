/**
 * The gauges that need reads, taken when /metrics is scraped: stored bytes per topic (one read per partition) and
 * consumer lag per group and partition (lib/groups/lag.ts, at most MAX_GROUPS_PER_RUN groups). Their cost is
 * bounded: at most `maxTopics` topics, and the figures are reused for `cacheMs` (scrapes in between, or at the same
 * time, share one reading). A reading that fails keeps the previous figures and is logged. The waiting-fetch
 * count costs nothing and is taken on every scrape.
 */

import type { GroupCoordinator } from "../groups/coordinator.js";
import { partitionLags } from "../groups/lag.js";
import { reportPartitionLags } from "../metrics/lag.js";
import type { Logger } from "../util/logger.js";
import type { PrometheusMetrics } from "./metrics.js";

export interface ReadingsDeps {
  log: { storedBytes(maxTopics: number): Promise<Map<string, number>>; readonly waitingFetches: number };
  groups: Pick<GroupCoordinator, "listGroups" | "fetchOffsets">;
  metrics: PrometheusMetrics;
  logger: Logger;
  /** default 5000 */
  cacheMs?: number;
  /** default 1000 */
  maxTopics?: number;
}

export class Readings {
  private takenAt = Number.NEGATIVE_INFINITY;
  private taking: Promise<void> | undefined;
  private readonly cacheMs: number;

  constructor(private readonly deps: ReadingsDeps) {
    this.cacheMs = deps.cacheMs ?? 5_000;
  }

  /** Brings the gauges up to date, reading storage at most once per cacheMs. */
  async refresh(): Promise<void> {
    const { metrics, log } = this.deps;
    metrics.gauge("WaitingFetches", log.waitingFetches);
    if (performance.now() - this.takenAt < this.cacheMs) return;
    this.taking ??= this.take().finally(() => {
      this.takenAt = performance.now();
      this.taking = undefined;
    });
    await this.taking;
  }

  private async take(): Promise<void> {
    const { metrics, log, groups, logger } = this.deps;
    const [bytes, lags] = await Promise.allSettled([
      log.storedBytes(this.deps.maxTopics ?? 1000),
      partitionLags(groups),
    ]);
    if (bytes.status === "fulfilled") {
      metrics.clear("StoredBytes");
      for (const [topic, n] of bytes.value) metrics.gauge("StoredBytes", n, { Topic: topic });
    } else logger.warn({ component: "metrics", err: bytes.reason }, "stored bytes not read; previous figures kept");
    if (lags.status === "fulfilled") {
      metrics.clear("ConsumerLag");
      reportPartitionLags(lags.value, metrics);
    } else logger.warn({ component: "metrics", err: lags.reason }, "consumer lag not read; previous figures kept");
  }
}
