/**
 * The Prometheus adapter of the Metrics port (lib/metrics): one prom-client family per catalogue entry, named by
 * prometheusName (ProduceRecords -> strata_produce_records_total), each dimension a label (Topic -> topic; a
 * dimension a report leaves out is an empty label). Durations are observed in seconds. The domain never sees
 * prom-client: it reports through the port, and GET /metrics (route.ts) renders this registry.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { labelName, METRIC_NAMES, METRICS, type MetricName, prometheusName } from "../metrics/catalogue.js";
import type { Dimensions, Metrics } from "../metrics/metrics.js";

/** Seconds; up to 30 s, as long polls last up to 20 s and a live tail behind API Gateway 30 s. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

type Family = Counter<string> | Gauge<string> | Histogram<string>;

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly families = new Map<MetricName, Family>();

  constructor() {
    for (const name of METRIC_NAMES) {
      const { kind, help, dimensions } = METRICS[name];
      const config = {
        name: prometheusName(name),
        help: `${help} (CloudWatch: ${name})`,
        labelNames: dimensions.map(labelName),
        registers: [this.registry],
      };
      const family =
        kind === "counter"
          ? new Counter(config)
          : kind === "gauge"
            ? new Gauge(config)
            : new Histogram({ ...config, buckets: DURATION_BUCKETS });
      this.families.set(name, family);
    }
  }

  count(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    const family = this.families.get(name);
    if (!(family instanceof Counter) || !Number.isFinite(value) || value <= 0) return;
    family.inc(labels(name, dimensions), value);
  }

  gauge(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    const family = this.families.get(name);
    if (!(family instanceof Gauge) || !Number.isFinite(value)) return;
    family.set(labels(name, dimensions), value);
  }

  observe(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    const family = this.families.get(name);
    if (!(family instanceof Histogram) || !Number.isFinite(value)) return;
    family.observe(labels(name, dimensions), METRICS[name].unit === "Milliseconds" ? value / 1000 : value);
  }

  /** Forgets a gauge's series, before a reading reports the current ones (a deleted topic's series goes away). */
  clear(name: MetricName): void {
    this.families.get(name)?.reset();
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function labels(name: MetricName, dimensions: Dimensions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of METRICS[name].dimensions) out[labelName(d)] = dimensions[d] ?? "";
  return out;
}
