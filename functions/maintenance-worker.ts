/**
 * The maintenance worker: runs the jobs of one asynchronous invocation (by default one partition). Every job is
 * leased and idempotent, so Lambda's own retries of a failed event are safe.
 */
import type { WorkerEvent } from "../lib/maintenance/aws-dispatcher.js";
import { createMaintenance, type JobReport, type Maintenance } from "../lib/maintenance/maintain.js";
import { awsStorageFromEnv } from "../lib/storage/aws-clients.js";
import { metrics, withMetrics } from "./metrics.js";

let maintenance: Maintenance | undefined;

export async function handler(event: WorkerEvent): Promise<JobReport[]> {
  if (!maintenance) {
    const { store, ledger } = awsStorageFromEnv(process.env);
    maintenance = createMaintenance({ ledger, store });
  }
  const run = maintenance;
  return withMetrics(async () => {
    const reports: JobReport[] = [];
    let failure: unknown;
    for (const job of event.jobs ?? []) {
      try {
        reports.push(await run.run(job));
        metrics.count("MaintenanceJobs", 1);
      } catch (e) {
        // Keep going: the other jobs are independent. The event fails at the end so Lambda retries it
        // (every job is leased and idempotent, so the ones that succeeded simply find nothing to do).
        metrics.count("MaintenanceFailures", 1);
        failure ??= e;
      }
    }
    if (failure) throw failure;
    return reports;
  });
}
