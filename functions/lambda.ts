/**
 * What every function shares, once per container: the EMF metrics sink, the Strata built by the composition
 * root from the environment (on the first invocation, so a missing variable fails a request, named in its log,
 * and the next invocation tries again), and the invocation wrapper: log lines carry the Lambda request id, and
 * metrics are flushed whatever the outcome. Logs are JSON lines on stdout (STRATA_LOG_LEVEL, default info).
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { EmfMetrics } from "../lib/metrics/metrics.js";
import { createStrata, type Strata } from "../lib/strata.js";
import { strataConfigFromEnv } from "../lib/strata-config.js";
import { lambdaTarget } from "../lib/subscriptions/aws-lambda-target.js";
import type { LambdaTarget } from "../lib/subscriptions/types.js";
import { withLogContext } from "../lib/util/logger.js";

export const metrics = new EmfMetrics(process.env.STRATA_METRICS_NAMESPACE || "Strata");

let strata: Promise<Strata> | undefined;

/** The container's Strata over S3 + DynamoDB (STRATA_BUCKET, STRATA_TABLE; lib/strata-config.ts). */
export function containerStrata(): Promise<Strata> {
  strata ??= build().catch((e) => {
    strata = undefined;
    throw e;
  });
  return strata;
}

async function build(): Promise<Strata> {
  const config = strataConfigFromEnv(process.env, { backend: "aws" });
  let lambda: LambdaClient | undefined;
  const client = () => {
    lambda ??= new LambdaClient({});
    return lambda;
  };
  // Subscriptions with Lambda targets invoke them with the container's one client, made on first use.
  const subscriptions = { ...config.subscriptions, lambda: (target: LambdaTarget) => lambdaTarget(client(), target) };
  return createStrata({ ...config, metrics, subscriptions });
}

/** Runs one invocation with its request id on every log line, and writes its metrics whatever its outcome. */
export function invocation<T>(context: { awsRequestId?: string } | undefined, run: () => Promise<T>): Promise<T> {
  return withLogContext({ awsRequestId: context?.awsRequestId }, async () => {
    try {
      return await run();
    } finally {
      metrics.flush();
    }
  });
}
