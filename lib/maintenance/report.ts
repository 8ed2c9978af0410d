/**
 * What a maintenance job did, as metrics: one MaintenanceJobs per job (by kind) and MaintenanceWork by action
 * (index entries dropped past retention, entries merged, segments written, partitions compacted, orphan objects
 * swept, deleted topics collected). Maintenance.run reports every job, in process or in the Lambda worker.
 */
import type { Metrics } from "../metrics/metrics.js";
import type { PartitionReport } from "./partition.js";
import type { SweepReport } from "./sweep.js";

export type JobReport =
  | ({ kind: "partition" } & PartitionReport)
  | { kind: "partition"; topicId: string; partition: number; skipped: "topic-gone" }
  | { kind: "gc"; topicId: string; complete: boolean }
  | ({ kind: "sweep" } & SweepReport);

export function reportJob(report: JobReport, metrics: Metrics): void {
  metrics.count("MaintenanceJobs", 1, { Kind: report.kind });
  const work = (action: string, n: number) => metrics.count("MaintenanceWork", n, { Action: action });
  switch (report.kind) {
    case "partition":
      if ("skipped" in report) return;
      work("dropped", report.dropped);
      work("merged", report.merged);
      work("segments", report.segmentsWritten);
      work("compacted", report.compacted ? 1 : 0);
      return;
    case "gc":
      work("collected", report.complete ? 1 : 0);
      return;
    case "sweep":
      work("swept", report.deleted.length);
      return;
  }
}
