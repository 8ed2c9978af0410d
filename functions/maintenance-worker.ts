/**
 * The maintenance worker: runs the jobs of one asynchronous invocation (by default one partition). Every job is
 * leased and idempotent, so Lambda's own retries of a failed event are safe.
 */
import type { WorkerEvent } from "../lib/maintenance/aws-dispatcher.js";
import { createMaintenance, type JobReport, type Maintenance } from "../lib/maintenance/maintain.js";
import { awsStorageFromEnv } from "../lib/storage/aws-clients.js";

let maintenance: Maintenance | undefined;

export async function handler(event: WorkerEvent): Promise<JobReport[]> {
  if (!maintenance) {
    const { store, ledger } = awsStorageFromEnv(process.env);
    maintenance = createMaintenance({ ledger, store });
  }
  const reports: JobReport[] = [];
  for (const job of event.jobs ?? []) reports.push(await maintenance.run(job));
  return reports;
}
