/**
 * The Lambda entry point of the HTTP API (API Gateway HTTP API, payload format 2.0). It hands every event to
 * the same Hono app the local server runs. The S3 and DynamoDB adapters, and the log and group coordinator over
 * them, are built once per container, on the first invocation: clients (and their connection pools) are reused
 * by every later request, and a missing variable (STRATA_BUCKET, STRATA_TABLE) shows up in the logs of a
 * request rather than as a failed init.
 */
import { handle } from "hono/aws-lambda";
import { createApp } from "../lib/api/app.js";
import { parseCorsOrigins } from "../lib/api/guard.js";
import { GroupCoordinator } from "../lib/groups/coordinator.js";
import { parseTopicDefaults } from "../lib/log/config.js";
import { createLog } from "../lib/log/log.js";
import { recordsAdmin } from "../lib/maintenance/delete-records.js";
import { awsStorageFromEnv } from "../lib/storage/aws-clients.js";
import { systemClock } from "../lib/storage/clock.js";
import { metrics, withMetrics } from "./metrics.js";

type ApiHandler = ReturnType<typeof handle>;

let built: ApiHandler | undefined;

function build(): ApiHandler {
  const { store, ledger } = awsStorageFromEnv(process.env);
  // the stack's topicDefaults prop; a bad value fails the first request with an error naming the key
  const topicDefaults = parseTopicDefaults(process.env.STRATA_TOPIC_DEFAULTS);
  const log = createLog({ store, ledger, options: { metrics, topicDefaults } });
  // The coordinator keeps no state between calls (every decision is a conditional write on the group's item),
  // so one per container is enough and any number of containers may serve one group.
  const groups = new GroupCoordinator({ ledger, topics: log, clock: systemClock });
  // The default binary test base64-encodes every answer that is not text or JSON: binary fetches are.
  const records = recordsAdmin({ ledger, topics: log.topics, clock: systemClock });
  // No Host check here (no listenHost): API Gateway routes by host name, and DNS rebinding, which the check
  // defeats locally, cannot point a browser at a public HTTPS endpoint under another name. Cross-origin writes
  // are refused as locally; CORS only for STRATA_CORS_ORIGINS (a bad value fails the first request, naming it).
  const guard = { corsOrigins: parseCorsOrigins(process.env.STRATA_CORS_ORIGINS) };
  return handle(createApp({ log, groups, records, guard }));
}

export const handler: ApiHandler = (event, context) => {
  built ??= build();
  const run = built;
  return withMetrics(() => run(event, context));
};
