/**
 * The one reader of the environment (README's configuration table lists every variable). A bad value throws an
 * INVALID_ARGUMENT naming the variable; nothing else in lib/ or functions/ reads process.env for configuration.
 *
 * @example
 * const server = await startServer(serverOptionsFromEnv(process.env)); // npm start
 * const strata = await createStrata(strataConfigFromEnv(process.env, { backend: "aws" })); // a Lambda
 */
import { type GuardOptions, parseAllowedHosts, parseCorsOrigins } from "./api/guard.js";
import { InvalidArgumentError } from "./errors.js";
import { parseTopicDefaults } from "./log/config.js";
import type { ServerOptions } from "./server/server.js";
import { awsConfigFromEnv } from "./storage/aws-clients.js";
import { parseFsyncPolicy } from "./storage/fsync.js";
import type { StrataConfig } from "./strata.js";
import { parseLogLevel } from "./util/logger.js";

export type Env = Record<string, string | undefined>;
export type BackendName = "embedded" | "aws";

/** STRATA_BACKEND (embedded | aws; `backend` forces one, as functions/ do), STRATA_DATA_DIR, STRATA_FSYNC,
 * STRATA_BUCKET/STRATA_TABLE/AWS_*, STRATA_TOPIC_DEFAULTS, STRATA_LOG_LEVEL */
export function strataConfigFromEnv(env: Env, force: { backend?: BackendName } = {}): StrataConfig {
  const backend = force.backend ?? parseBackend(env.STRATA_BACKEND);
  return {
    storage:
      backend === "embedded"
        ? { backend, dataDir: env.STRATA_DATA_DIR || "./.strata", fsync: parseFsyncPolicy(env.STRATA_FSYNC) }
        : { backend, ...awsConfigFromEnv(env) },
    topicDefaults: parseTopicDefaults(env.STRATA_TOPIC_DEFAULTS),
    logLevel: parseLogLevel(env.STRATA_LOG_LEVEL),
  };
}

/** What lib/api/guard.ts enforces locally: STRATA_ALLOWED_HOSTS and STRATA_CORS_ORIGINS. */
export function guardFromEnv(env: Env): Omit<GuardOptions, "listenHost"> {
  return { allowedHosts: parseAllowedHosts(env.STRATA_ALLOWED_HOSTS), ...lambdaGuardFromEnv(env) };
}

/** In Lambda only STRATA_CORS_ORIGINS: API Gateway routes by host name, so there is no Host list to check. */
export function lambdaGuardFromEnv(env: Env): Pick<GuardOptions, "corsOrigins"> {
  return { corsOrigins: parseCorsOrigins(env.STRATA_CORS_ORIGINS) };
}

/**
 * `npm start`: the above plus HOST (127.0.0.1), PORT (8080), STRATA_MAINTENANCE_INTERVAL_MS (60000) and the Kafka
 * listener's STRATA_KAFKA_PORT (9092; 0 a free port; `off` none), STRATA_KAFKA_ADVERTISED (host:port) and
 * STRATA_KAFKA_AUTO_CREATE_TOPICS (off; a number of partitions turns it on).
 */
export function serverOptionsFromEnv(env: Env): ServerOptions & { strata: StrataConfig } {
  const port = parsePort("PORT", env.PORT || "8080");
  const kafkaPort =
    env.STRATA_KAFKA_PORT === "off" ? undefined : parsePort("STRATA_KAFKA_PORT", env.STRATA_KAFKA_PORT || "9092");
  const advertised = env.STRATA_KAFKA_ADVERTISED;
  if (advertised !== undefined && advertised !== "" && !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(advertised)) {
    throw new InvalidArgumentError(
      "STRATA_KAFKA_ADVERTISED",
      `STRATA_KAFKA_ADVERTISED must be host:port, not "${advertised}"`,
    );
  }
  if (advertised) parsePort("STRATA_KAFKA_ADVERTISED", advertised.slice(advertised.lastIndexOf(":") + 1));
  const autoCreate = env.STRATA_KAFKA_AUTO_CREATE_TOPICS || "off";
  const autoPartitions = autoCreate === "off" ? undefined : Number(autoCreate);
  if (autoPartitions !== undefined && (!Number.isInteger(autoPartitions) || autoPartitions < 1)) {
    throw new InvalidArgumentError(
      "STRATA_KAFKA_AUTO_CREATE_TOPICS",
      `STRATA_KAFKA_AUTO_CREATE_TOPICS must be "off" or a number of partitions, not "${autoCreate}"`,
    );
  }
  return {
    strata: strataConfigFromEnv(env),
    host: env.HOST || "127.0.0.1",
    port,
    maintenanceIntervalMs: Number(env.STRATA_MAINTENANCE_INTERVAL_MS || "60000"),
    ...guardFromEnv(env),
    ...(kafkaPort !== undefined ? { kafkaPort } : {}),
    ...(advertised ? { kafkaAdvertised: advertised } : {}),
    ...(autoPartitions !== undefined ? { kafkaAutoCreatePartitions: autoPartitions } : {}),
  };
}

function parsePort(name: string, raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(name, `${name} must be 0..65535, not "${raw}"`);
  return port;
}

/** STRATA_MAINTENANCE_WORKER: the worker function's name or ARN, which the scheduled maintenance function invokes. */
export function maintenanceWorkerFromEnv(env: Env): string {
  const name = env.STRATA_MAINTENANCE_WORKER;
  if (!name) throw new InvalidArgumentError("STRATA_MAINTENANCE_WORKER", "STRATA_MAINTENANCE_WORKER is not set");
  return name;
}

function parseBackend(raw: string | undefined): BackendName {
  const backend = raw || "embedded";
  if (backend !== "embedded" && backend !== "aws")
    throw new InvalidArgumentError("STRATA_BACKEND", `STRATA_BACKEND must be "embedded" or "aws", not "${backend}"`);
  return backend;
}
