/**
 * The dispatcher on AWS: one asynchronous invocation (InvocationType "Event") of the worker function per batch of
 * jobs. Lambda queues the event and retries a failed worker twice on its own; a job lost anyway is found again by
 * the next scheduled run (the due index still names it). The only file in lib/maintenance that imports the AWS SDK.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { StrataError } from "../errors.js";
import { mapLimit } from "../util/map-limit.js";
import type { Dispatcher, MaintenanceJob } from "./dispatcher.js";

export interface LambdaDispatcherOptions {
  client: LambdaClient;
  /** name or ARN of the worker function (functions/maintenance-worker.ts) */
  functionName: string;
  /** jobs per invocation (default 1: one partition per worker) */
  jobsPerInvocation?: number;
  /** invocations in flight (default 16) */
  concurrency?: number;
}

/** The worker's event. */
export interface WorkerEvent {
  jobs: MaintenanceJob[];
}

/**
 * @example
 * const dispatcher = new LambdaDispatcher({ client: new LambdaClient({}), functionName: process.env.STRATA_MAINTENANCE_WORKER! });
 * await dispatcher.dispatch(jobs);
 */
export class LambdaDispatcher implements Dispatcher {
  constructor(private readonly options: LambdaDispatcherOptions) {}

  async dispatch(jobs: MaintenanceJob[]): Promise<void> {
    const per = Math.max(1, this.options.jobsPerInvocation ?? 1);
    const batches: MaintenanceJob[][] = [];
    for (let i = 0; i < jobs.length; i += per) batches.push(jobs.slice(i, i + per));
    const failures: unknown[] = [];
    await mapLimit(batches, this.options.concurrency ?? 16, async (batch) => {
      const event: WorkerEvent = { jobs: batch };
      try {
        const out = await this.options.client.send(
          new InvokeCommand({
            FunctionName: this.options.functionName,
            InvocationType: "Event",
            Payload: new TextEncoder().encode(JSON.stringify(event)),
          }),
        );
        if (out.StatusCode !== undefined && out.StatusCode !== 202) {
          failures.push(new Error(`invoke answered ${out.StatusCode}`));
        }
      } catch (e) {
        failures.push(e);
      }
    });
    if (failures.length > 0) {
      throw new StrataError("UNAVAILABLE", `${failures.length} of ${batches.length} worker invocations failed`, {
        retriable: true,
        cause: failures[0],
      });
    }
  }
}
