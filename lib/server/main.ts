/**
 * `npm start`: the local server. Configuration comes from the environment (README.md lists it):
 * HOST (127.0.0.1), PORT (8080), STRATA_DATA_DIR (./.strata), STRATA_BACKEND (embedded | aws),
 * STRATA_FSYNC (always | never), STRATA_MAINTENANCE_INTERVAL_MS (60000; 0 turns maintenance off),
 * STRATA_ALLOWED_HOSTS and STRATA_CORS_ORIGINS (none; lib/api/guard.ts).
 */
import { parseAllowedHosts, parseCorsOrigins } from "../api/guard.js";
import { parseTopicDefaults } from "../log/config.js";
import { parseFsyncPolicy } from "../storage/fsync.js";
import { type Backend, startServer } from "./server.js";

async function main(): Promise<void> {
  const backend = (process.env.STRATA_BACKEND || "embedded") as Backend;
  if (backend !== "embedded" && backend !== "aws") {
    throw new Error(`STRATA_BACKEND must be "embedded" or "aws", not "${backend}"`);
  }
  const port = Number(process.env.PORT || "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0..65535, not "${port}"`);
  const dataDir = process.env.STRATA_DATA_DIR || "./.strata";
  const fsync = parseFsyncPolicy(process.env.STRATA_FSYNC);
  const maintenanceIntervalMs = Number(process.env.STRATA_MAINTENANCE_INTERVAL_MS || "60000");
  const topicDefaults = parseTopicDefaults(process.env.STRATA_TOPIC_DEFAULTS);
  const allowedHosts = parseAllowedHosts(process.env.STRATA_ALLOWED_HOSTS);
  const corsOrigins = parseCorsOrigins(process.env.STRATA_CORS_ORIGINS);
  const server = await startServer({
    topicDefaults,
    host: process.env.HOST || "127.0.0.1",
    port,
    dataDir,
    backend,
    fsync,
    maintenanceIntervalMs,
    allowedHosts,
    corsOrigins,
  });

  const where = backend === "embedded" ? `data in ${dataDir}` : "on S3 + DynamoDB";
  console.log(`Strata listening on ${server.url} (${backend} backend, ${where})`);
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
