/**
 * Metrics, as a port: the domain counts what it does (records and bytes produced and fetched, commit conflicts,
 * maintenance work, consumer lag) and an adapter decides where it goes. In Lambda that is CloudWatch's embedded
 * metric format: one structured JSON log line per flush, which CloudWatch turns into metrics with no API call and
 * no extra latency. Locally nothing is collected.
 *
 * Names are the ones the CDK stack alarms and graphs on (cdk/strata-log-service.ts STRATA_METRICS).
 */
export type MetricName =
  | "ProduceRecords"
  | "ProduceBytes"
  | "FetchRecords"
  | "FetchBytes"
  | "CommitConflicts"
  | "MaintenanceJobs"
  | "MaintenanceFailures"
  | "ConsumerLag";

export type MetricUnit = "Count" | "Bytes";

export type Dimensions = Record<string, string>;

export interface Metrics {
  /** adds to a counter (summed until the next flush) */
  count(name: MetricName, value: number, unit?: MetricUnit, dimensions?: Dimensions): void;
  /** records a level (the largest value since the last flush wins) */
  gauge(name: MetricName, value: number, dimensions?: Dimensions): void;
}

export const noMetrics: Metrics = { count: () => {}, gauge: () => {} };

interface Pending {
  dimensions: Dimensions;
  values: Map<MetricName, { value: number; unit: MetricUnit; gauge: boolean }>;
}

/**
 * CloudWatch embedded metric format. One line per dimension set per flush, e.g.
 * {"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"Strata","Dimensions":[[]],
 * "Metrics":[{"Name":"ProduceRecords","Unit":"Count"}]}]},"ProduceRecords":1000}
 *
 * @example
 * const metrics = new EmfMetrics("Strata");
 * metrics.count("ProduceRecords", 1000);
 * metrics.flush(); // at the end of each invocation
 */
export class EmfMetrics implements Metrics {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly namespace: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly now: () => number = Date.now,
  ) {}

  count(name: MetricName, value: number, unit: MetricUnit = "Count", dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value) || value === 0) return;
    const slot = this.slot(dimensions);
    const current = slot.values.get(name);
    slot.values.set(name, { value: (current?.value ?? 0) + value, unit, gauge: false });
  }

  gauge(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value)) return;
    const slot = this.slot(dimensions);
    const current = slot.values.get(name);
    slot.values.set(name, { value: Math.max(current?.value ?? value, value), unit: "Count", gauge: true });
  }

  /** Writes what was collected since the last flush and forgets it. */
  flush(): void {
    for (const { dimensions, values } of this.pending.values()) {
      if (values.size === 0) continue;
      const line: Record<string, unknown> = {
        _aws: {
          Timestamp: this.now(),
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: [Object.keys(dimensions)],
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

  private slot(dimensions: Dimensions): Pending {
    const key = JSON.stringify(Object.entries(dimensions).sort());
    let slot = this.pending.get(key);
    if (!slot) {
      slot = { dimensions, values: new Map() };
      this.pending.set(key, slot);
    }
    return slot;
  }
}
