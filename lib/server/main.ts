/**
 * `npm start`: the local server. Configuration comes from the environment (README.md lists it):
 * HOST (127.0.0.1), PORT (8080), STRATA_DATA_DIR (./.strata), STRATA_BACKEND (embedded | aws),
 * STRATA_FSYNC (always | never), STRATA_MAINTENANCE_INTERVAL_MS (60000; 0 turns maintenance off),
 * STRATA_ALLOWED_HOSTS and STRATA_CORS_ORIGINS (none; lib/api/guard.ts), STRATA_LOG_LEVEL (info), the Kafka
 * listener's STRATA_KAFKA_PORT (9092; off), STRATA_KAFKA_ADVERTISED and STRATA_KAFKA_AUTO_CREATE_TOPICS, all
 * read by lib/strata-config.ts.
 */
import { serverOptionsFromEnv } from "../strata-config.js";
import { startServer } from "./server.js";

async function main(): Promise<void> {
  const options = serverOptionsFromEnv(process.env);
  const server = await startServer(options);
  const storage = options.strata.storage;

  const where = storage.backend === "embedded" ? `data in ${storage.dataDir}` : "on S3 + DynamoDB";
  console.log(`Strata listening on ${server.url} (${storage.backend} backend, ${where})`);
  console.log(`Web console: ${server.url}/`);
  if (server.kafka)
    console.log(`Kafka clients: bootstrap ${server.kafka.bootstrap} (e.g. kcat -b ${server.kafka.bootstrap} -L)`);
  console.log("Create a first topic:");
  console.log(
    `  curl -sS -X POST ${server.url}/v1/topics -H 'content-type: application/json' -d '{"name": "greetings", "partitions": 3}'`,
  );
  console.log("More in README.md; the API is described at " + `${server.url}/v1/openapi.json`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (e) => {
        console.error("error while closing", e);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e) => {
  console.error(`strata: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
