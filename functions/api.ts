/**
 * The Lambda entry point of the HTTP API (API Gateway HTTP API, payload format 2.0): the same Hono app the local
 * server runs, over the container's Strata (lambda.ts).
 */
import { handle } from "hono/aws-lambda";
import { createApp } from "../lib/api/app.js";
import { checkReady } from "../lib/storage/ready.js";
import { lambdaGuardFromEnv } from "../lib/strata-config.js";
import { containerStrata, invocation, metrics } from "./lambda.js";

type ApiHandler = ReturnType<typeof handle>;

/** The longest live tail behind API Gateway (whose integration limit is 30 s), leaving time to answer. */
export const LAMBDA_TAIL_MS = 25_000;

let built: Promise<ApiHandler> | undefined;

async function build(): Promise<ApiHandler> {
  const strata = await containerStrata();
  const { log, groups, records, logger } = strata;
  // No Host check here (no listenHost): API Gateway routes by host name, and DNS rebinding, which the check
  // defeats locally, cannot point a browser at a public HTTPS endpoint under another name. Cross-origin writes
  // are refused as locally; CORS only for STRATA_CORS_ORIGINS (a bad value fails the first request, naming it).
  const guard = lambdaGuardFromEnv(process.env);
  const ready = () => checkReady(strata.storage);
  // A live tail ends before API Gateway's 30 s integration limit; the client resumes with Last-Event-ID.
  const tail = { maxDurationMs: LAMBDA_TAIL_MS };
  return handle(createApp({ log, groups, records, guard, logger, metrics, ready, tail }));
}

export const handler: ApiHandler = (event, context) =>
  invocation(context, async () => {
    built ??= build().catch((e) => {
      built = undefined;
      throw e;
    });
    return (await built)(event, context);
  });
