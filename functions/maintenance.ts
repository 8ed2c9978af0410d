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
import { GroupCoordinator } from "../lib/groups/coordinator.js";
import { consumerLags } from "../lib/groups/lag.js";
import { createLog } from "../lib/log/log.js";
import { LambdaDispatcher } from "../lib/maintenance/aws-dispatcher.js";
import { createMaintenance } from "../lib/maintenance/maintain.js";
import { reportConsumerLag } from "../lib/metrics/lag.js";
import { awsStorageFromEnv } from "../lib/storage/aws-clients.js";
import { systemClock } from "../lib/storage/clock.js";
import { metrics, withMetrics } from "./metrics.js";

let built: ReturnType<typeof build> | undefined;

function build(env: Record<string, string | undefined>) {
  const functionName = env.STRATA_MAINTENANCE_WORKER;
  if (!functionName) {
    throw new StrataError("INVALID_ARGUMENT", "STRATA_MAINTENANCE_WORKER is not set", { details: { field: "env" } });
  }
  const { store, ledger } = awsStorageFromEnv(env);
  const log = createLog({ ledger, store });
  return {
    maintenance: createMaintenance({ ledger, store }),
    dispatcher: new LambdaDispatcher({ client: new LambdaClient({}), functionName }),
    groups: new GroupCoordinator({ ledger, topics: log, clock: systemClock }),
  };
}

export async function handler(): Promise<{ jobs: number }> {
  built ??= build(process.env);
  const { maintenance, dispatcher, groups } = built;
  return withMetrics(async () => {
    const jobs = await maintenance.plan();
    await dispatcher.dispatch(jobs);
    // Lag is a reading, not work: a failure to measure it must not fail the run.
    await consumerLags(groups).then(
      (lags) => reportConsumerLag(lags, metrics),
      (e) => console.error("strata: consumer lag not measured", e),
    );
    return { jobs: jobs.length };
  });
}
