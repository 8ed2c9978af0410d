/**
 * The maintenance worker: runs the jobs of one asynchronous invocation (by default one partition). Every job is
 * leased and idempotent, so Lambda's own retries of a failed event are safe.
 */
import type { WorkerEvent } from "../lib/maintenance/aws-dispatcher.js";
import type { JobReport } from "../lib/maintenance/maintain.js";
import { containerStrata, invocation } from "./lambda.js";

export const handler = (event: WorkerEvent, context?: { awsRequestId?: string }): Promise<JobReport[]> =>
  invocation(context, async () => {
    const { maintenance } = await containerStrata();
    const reports: JobReport[] = [];
    let failure: unknown;
    for (const job of event.jobs ?? []) {
      // Maintenance.run counts the job, its work or its failure (lib/maintenance/report.ts).
      try {
        reports.push(await maintenance.run(job));
      } catch (e) {
        // Keep going: the other jobs are independent. The event fails at the end so Lambda retries it
        // (every job is leased and idempotent, so the ones that succeeded simply find nothing to do).
        failure ??= e;
      }
    }
    if (failure) throw failure;
    return reports;
  });
