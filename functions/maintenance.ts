/**
 * The scheduled maintenance function (EventBridge, e.g. every minute). It plans (due index, deleted topics, the
 * sweep) and fans the jobs out to the worker function with asynchronous invocations, so hundreds of partitions are
 * maintained in parallel within one timeout.
 *
 * Environment: as every function (lambda.ts), plus STRATA_MAINTENANCE_WORKER (name or ARN of
 * functions/maintenance-worker.ts).
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { consumerLags } from "../lib/groups/lag.js";
import { LambdaDispatcher } from "../lib/maintenance/aws-dispatcher.js";
import { reportConsumerLag } from "../lib/metrics/lag.js";
import { maintenanceWorkerFromEnv } from "../lib/strata-config.js";
import { containerStrata, invocation, metrics } from "./lambda.js";

let dispatcher: LambdaDispatcher | undefined;

export const handler = (_event?: unknown, context?: { awsRequestId?: string }): Promise<{ jobs: number }> =>
  invocation(context, async () => {
    dispatcher ??= new LambdaDispatcher({
      client: new LambdaClient({}),
      functionName: maintenanceWorkerFromEnv(process.env),
    });
    const { maintenance, groups, logger } = await containerStrata();
    const jobs = await maintenance.plan();
    await dispatcher.dispatch(jobs);
    // Lag is a reading, not work: a failure to measure it must not fail the run.
    await consumerLags(groups).then(
      (lags) => reportConsumerLag(lags, metrics),
      (e) => logger.error({ code: e?.code ?? "INTERNAL", err: e }, "consumer lag not measured"),
    );
    return { jobs: jobs.length };
  });
