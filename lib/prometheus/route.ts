/**
 * GET /metrics on the local server: the Prometheus text format of every catalogue metric (lib/metrics/catalogue.ts).
 * Counters and histograms are kept as the domain reports them; the gauges that need reads are brought up to date
 * first (readings.ts, cached for a few seconds).
 */
import type { Hono } from "hono";
import type { PrometheusMetrics } from "./metrics.js";
import type { Readings } from "./readings.js";

export function installMetricsRoute(app: Hono, metrics: PrometheusMetrics, readings: Readings): void {
  app.get("/metrics", async (c) => {
    await readings.refresh();
    return c.body(await metrics.text(), 200, { "content-type": metrics.contentType });
  });
}
