/**
 * Metrics, as a port: the domain counts what it does (records and bytes produced and fetched, commit retries and
 * conflicts, maintenance work, consumer lag) and an adapter decides where it goes. Every name, with its unit and
 * dimensions, is in catalogue.ts. In Lambda it goes to CloudWatch's embedded metric format (EmfMetrics below: one
 * structured JSON log line per flush, which CloudWatch turns into metrics with no API call and no extra latency);
 * on the local server to Prometheus (lib/prometheus, GET /metrics).
 *
 * The CDK stack alarms and graphs on these names (cdk/strata-log-service.ts STRATA_METRICS).
 */
import { METRICS, type MetricName, type MetricUnit } from "./catalogue.js";

export type { MetricName, MetricUnit } from "./catalogue.js";

export type Dimensions = Record<string, string>;

export interface Metrics {
  /** adds to a counter (summed until the next flush) */
  count(name: MetricName, value: number, dimensions?: Dimensions): void;
  /** records a level (the largest value since the last flush wins) */
  gauge(name: MetricName, value: number, dimensions?: Dimensions): void;
  /** records one observation of a distribution (a duration in ms) */
  observe(name: MetricName, value: number, dimensions?: Dimensions): void;
}

export const noMetrics: Metrics = { count: () => {}, gauge: () => {}, observe: () => {} };

/** Every report goes to each of `sinks` (the local server's Prometheus registry besides a caller's own). */
export function allMetrics(...sinks: Metrics[]): Metrics {
  return {
    count: (name, value, dimensions) => {
      for (const m of sinks) m.count(name, value, dimensions);
    },
    gauge: (name, value, dimensions) => {
      for (const m of sinks) m.gauge(name, value, dimensions);
    },
    observe: (name, value, dimensions) => {
      for (const m of sinks) m.observe(name, value, dimensions);
    },
  };
}

/** CloudWatch keeps at most this many values of one metric per EMF line; later ones in the same flush are dropped. */
const MAX_VALUES = 100;

interface Pending {
  dimensions: Dimensions;
  values: Map<MetricName, { value: number | number[]; unit: MetricUnit }>;
}

/**
 * CloudWatch embedded metric format. One line per set of dimension values per flush, e.g.
 * {"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"Strata","Dimensions":[[]],
 * "Metrics":[{"Name":"ProduceRecords","Unit":"Count"}]}]},"Topic":"orders","ProduceRecords":1000}
 * Each metric is aggregated on its catalogue's `cloudwatch` dimension sets; the other dimensions ride along as
 * properties (queryable in Logs Insights, not billed as metrics).
 *
 * @example
 * const metrics = new EmfMetrics("Strata");
 * metrics.count("ProduceRecords", 1000, { Topic: "orders" });
 * metrics.flush(); // at the end of each invocation
 */
export class EmfMetrics implements Metrics {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly namespace: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly now: () => number = Date.now,
  ) {}

  count(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value) || value === 0) return;
    const slot = this.slot(name, dimensions);
    const current = slot.values.get(name)?.value;
    slot.values.set(name, { value: ((current as number | undefined) ?? 0) + value, unit: METRICS[name].unit });
  }

  gauge(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value)) return;
    const slot = this.slot(name, dimensions);
    const current = slot.values.get(name)?.value as number | undefined;
    slot.values.set(name, { value: Math.max(current ?? value, value), unit: METRICS[name].unit });
  }

  observe(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value)) return;
    const slot = this.slot(name, dimensions);
    const current = slot.values.get(name)?.value as number[] | undefined;
    if (current && current.length >= MAX_VALUES) return;
    slot.values.set(name, { value: [...(current ?? []), value], unit: METRICS[name].unit });
  }

  /** Writes what was collected since the last flush and forgets it. */
  flush(): void {
    for (const { dimensions, values } of this.pending.values()) {
      if (values.size === 0) continue;
      const names = [...values.keys()];
      const line: Record<string, unknown> = {
        _aws: {
          Timestamp: this.now(),
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: dimensionSets(names[0]!, dimensions),
              Metrics: [...values].map(([name, v]) => ({ Name: name, Unit: v.unit })),
            },
          ],
        },
        ...dimensions,
      };
      for (const [name, v] of values) line[name] = v.value;
      this.write(JSON.stringify(line));
    }
    this.pending.clear();
  }

  /** One slot per metric family's dimension sets and per set of values, so a line's Dimensions fit all its metrics. */
  private slot(name: MetricName, dimensions: Dimensions): Pending {
    const sets = JSON.stringify(dimensionSets(name, dimensions));
    const key = `${sets}|${JSON.stringify(Object.entries(dimensions).sort())}`;
    let slot = this.pending.get(key);
    if (!slot) {
      slot = { dimensions, values: new Map() };
      this.pending.set(key, slot);
    }
    return slot;
  }
}

/** The metric's CloudWatch dimension sets that these dimensions fill; [[]] when none does. */
function dimensionSets(name: MetricName, dimensions: Dimensions): string[][] {
  const sets = METRICS[name].cloudwatch.filter((set) => set.every((d) => d in dimensions)).map((set) => [...set]);
  return sets.length > 0 ? sets : [[]];
}
