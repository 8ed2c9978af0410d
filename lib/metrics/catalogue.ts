/**
 * The one list of metrics: every name the domain and the edges report through the Metrics port, with its kind,
 * unit, dimensions and help. Both adapters read it: CloudWatch EMF in Lambda (metrics.ts: the name as it is, the
 * dimension sets in `cloudwatch`) and Prometheus on the local server (lib/prometheus: the name in Prometheus's
 * style, prometheusName below, every dimension a label). docs/OPERATIONS.md lists them; a test keeps it in step.
 */

export type MetricKind = "counter" | "gauge" | "histogram";
export type MetricUnit = "Count" | "Bytes" | "Milliseconds";

export interface MetricDefinition {
  kind: MetricKind;
  unit: MetricUnit;
  /** every dimension a report may carry (Prometheus labels, lower-cased) */
  dimensions: readonly string[];
  /**
   * the dimension sets CloudWatch aggregates on ([] = the metric without dimensions, which the CDK alarms and
   * graphs read). Kept small on purpose: each distinct set of values is a billed custom metric, so per-topic,
   * per-route and per-partition figures stay Prometheus labels and EMF properties (Logs Insights can query them).
   */
  cloudwatch: readonly (readonly string[])[];
  help: string;
}

const def = (d: MetricDefinition) => d;

export const METRICS = {
  HttpRequests: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Route", "Method", "Status"],
    cloudwatch: [[]],
    help: "HTTP requests answered, by route pattern, method and status",
  }),
  HttpRequestDuration: def({
    kind: "histogram",
    unit: "Milliseconds",
    dimensions: ["Route", "Method", "Status"],
    cloudwatch: [[]],
    help: "time to answer an HTTP request (a long poll's wait included)",
  }),
  ProduceRecords: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Topic"],
    cloudwatch: [[]],
    help: "records committed by produce",
  }),
  ProduceBytes: def({
    kind: "counter",
    unit: "Bytes",
    dimensions: ["Topic"],
    cloudwatch: [[]],
    help: "bytes of record batches committed by produce",
  }),
  FetchRecords: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Topic"],
    cloudwatch: [[]],
    help: "records returned by fetch",
  }),
  FetchBytes: def({
    kind: "counter",
    unit: "Bytes",
    dimensions: ["Topic"],
    cloudwatch: [[]],
    help: "bytes returned by fetch",
  }),
  CommitRetries: def({
    kind: "counter",
    unit: "Count",
    dimensions: [],
    cloudwatch: [[]],
    help: "partition commits tried again (a conflict, a producer state learned, or a retriable storage error)",
  }),
  CommitConflicts: def({
    kind: "counter",
    unit: "Count",
    dimensions: [],
    cloudwatch: [[]],
    help: "partition commits that found another writer had committed first",
  }),
  WaitingFetches: def({
    kind: "gauge",
    unit: "Count",
    dimensions: [],
    cloudwatch: [[]],
    help: "fetches waiting for records now (long polls and live tails)",
  }),
  MaintenanceRuns: def({
    kind: "counter",
    unit: "Count",
    dimensions: [],
    cloudwatch: [[]],
    help: "maintenance passes (planning runs)",
  }),
  MaintenanceJobs: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Kind"],
    cloudwatch: [[]],
    help: "maintenance jobs run, by kind (partition, gc, sweep)",
  }),
  MaintenanceFailures: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Kind"],
    cloudwatch: [[]],
    help: "maintenance jobs that failed (retried at the next run)",
  }),
  MaintenanceWork: def({
    kind: "counter",
    unit: "Count",
    dimensions: ["Action"],
    cloudwatch: [[]],
    help:
      "what maintenance did, by action: dropped (index entries past retention), merged (entries merged into " +
      "segments), segments (segments written), compacted (partitions compacted), swept (orphan objects deleted), " +
      "collected (deleted topics fully collected)",
  }),
  StoredBytes: def({
    kind: "gauge",
    unit: "Bytes",
    dimensions: ["Topic"],
    cloudwatch: [[]],
    help: "bytes of record batches a topic's partitions hold",
  }),
  ConsumerLag: def({
    kind: "gauge",
    unit: "Count",
    dimensions: ["Group", "Topic", "Partition"],
    cloudwatch: [["Group"], []],
    help: "records between a group's committed offset and the high watermark",
  }),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/**
 * The Prometheus name of a catalogue name: strata_ and snake case, counters end in _total, durations are in
 * seconds, e.g. ProduceRecords -> strata_produce_records_total, HttpRequestDuration ->
 * strata_http_request_duration_seconds, StoredBytes -> strata_stored_bytes.
 */
export function prometheusName(name: MetricName): string {
  const { kind, unit } = METRICS[name];
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  if (kind === "counter") return `strata_${snake}_total`;
  if (unit === "Milliseconds") return `strata_${snake}_seconds`;
  return `strata_${snake}`;
}

/** A dimension's Prometheus label name (Topic -> topic). */
export const labelName = (dimension: string) => dimension.toLowerCase();
