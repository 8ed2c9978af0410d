/**
 * The scheduled maintenance function (EventBridge, e.g. every minute). It plans (due index, deleted topics, the
 * sweep) and fans the jobs out to the worker function with asynchronous invocations, so hundreds of partitions are
 * maintained in parallel within one timeout. Storage and clients are built once per container.
 *
 * Environment: STRATA_BUCKET, STRATA_TABLE (see lib/storage/aws-clients.ts), STRATA_MAINTENANCE_WORKER (name or
 * ARN of functions/maintenance-worker.ts).
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { StrataError } from "../lib/errors.js";
import { LambdaDispatcher } from "../lib/maintenance/aws-dispatcher.js";
import { createMaintenance, type Maintenance } from "../lib/maintenance/maintain.js";
import { awsStorageFromEnv } from "../lib/storage/aws-clients.js";

let built: { maintenance: Maintenance; dispatcher: LambdaDispatcher } | undefined;

function build(env: Record<string, string | undefined>) {
  const functionName = env.STRATA_MAINTENANCE_WORKER;
  if (!functionName) {
    throw new StrataError("INVALID_ARGUMENT", "STRATA_MAINTENANCE_WORKER is not set", { details: { field: "env" } });
  }
  const { store, ledger } = awsStorageFromEnv(env);
  return {
    maintenance: createMaintenance({ ledger, store }),
    dispatcher: new LambdaDispatcher({ client: new LambdaClient({}), functionName }),
  };
}

export async function handler(): Promise<{ jobs: number }> {
  built ??= build(process.env);
  const jobs = await built.maintenance.plan();
  await built.dispatcher.dispatch(jobs);
  return { jobs: jobs.length };
}
