/**
 * The local server: the one HTTP app (lib/api) on @hono/node-server, over the embedded backend (segment
 * files + SQLite in a data directory) or the AWS adapters. Tests start it in-process on port 0; main.ts is
 * what `npm start` runs. Besides the API it serves GET /metrics (Prometheus, lib/prometheus) and GET /readyz.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../api/app.js";
import { checkGuardOptions } from "../api/guard.js";
import type { Limits } from "../api/limits.js";
import type { TailOptions } from "../api/tail.js";
import { InvalidArgumentError } from "../errors.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { type KafkaListener, startKafkaListener } from "../kafka/listener.js";
import type { Log } from "../log/log.js";
import { allMetrics } from "../metrics/metrics.js";
import { PrometheusMetrics } from "../prometheus/metrics.js";
import { Readings } from "../prometheus/readings.js";
import { installMetricsRoute } from "../prometheus/route.js";
import { awsConfigFromEnv } from "../storage/aws-clients.js";
import type { Clock } from "../storage/clock.js";
import type { FsyncPolicy } from "../storage/fsync.js";
import { checkReady } from "../storage/ready.js";
import { createStrata, type StrataConfig } from "../strata.js";
import type { Logger, LogLevel } from "../util/logger.js";
import { exposureWarning } from "./exposure.js";

export type Backend = "embedded" | "aws";

export interface ServerOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
  /** the whole service's configuration (lib/strata.ts); when given, the storage, clock and logging options below are not read */
  strata?: StrataConfig;
  /** embedded backend's data directory; default ./.strata */
  dataDir?: string;
  /** default embedded */
  backend?: Backend;
  /** embedded backend's fsync policy (STRATA_FSYNC); default "always": acknowledged writes survive a power cut */
  fsync?: FsyncPolicy;
  /** the AWS backend's configuration (STRATA_BUCKET, STRATA_TABLE, AWS_*); default process.env */
  env?: Record<string, string | undefined>;
  limits?: Partial<Limits>;
  /** how long close() lets in-flight requests (long polls) finish before cutting them; default 1000 ms */
  closeGraceMs?: number;
  /** maintenance (retention, merging, compaction, sweep) every this many ms; 0 turns it off; default 60000 */
  maintenanceIntervalMs?: number;
  /** topic config a new topic starts from (STRATA_TOPIC_DEFAULTS); default none (Kafka's defaults) */
  topicDefaults?: Record<string, string | number>;
  /** the one clock of the log, groups and maintenance; default the system clock; tests pass a ManualClock */
  clock?: Clock;
  /** where request lines and faults go; default JSON lines on stdout at `logLevel` */
  logger?: Logger;
  /** default warn (STRATA_LOG_LEVEL, read by serverOptionsFromEnv, defaults to info) */
  logLevel?: LogLevel;
  /** names the Host header may give besides the listen address and localhost (STRATA_ALLOWED_HOSTS) */
  allowedHosts?: string[];
  /** browser origins that may change state and read answers through CORS (STRATA_CORS_ORIGINS); default none */
  corsOrigins?: string[];
  /** how long /metrics reuses its storage readings (stored bytes, consumer lag); default 5000 ms */
  metricsCacheMs?: number;
  /** how long GET /readyz waits for each storage part; default 3000 ms */
  readyTimeoutMs?: number;
  /** the live tail (Accept: text/event-stream): keep-alive comments every keepAliveMs (15000); no longest stream by default */
  tail?: TailOptions;
  /** the Kafka listener's port on `host` (STRATA_KAFKA_PORT); 0 picks a free port; default none (no listener) */
  kafkaPort?: number;
  /** host:port the Kafka listener announces in Metadata (STRATA_KAFKA_ADVERTISED); default where it listens */
  kafkaAdvertised?: string;
  /** partitions of a topic a Kafka Metadata request creates (STRATA_KAFKA_AUTO_CREATE_TOPICS); default off */
  kafkaAutoCreatePartitions?: number;
}

export interface RunningServer {
  /** http://host:port, without a trailing slash */
  url: string;
  /** the log (its waitingFetches shows what waits now) */
  log: Log;
  /** the consumer-group coordinator behind /v1/groups */
  groups: GroupCoordinator;
  /** the Kafka listener, when one was asked for: `bootstrap` is host:port as Metadata announces it */
  kafka?: { bootstrap: string; port: number };
  /** stops accepting, lets in-flight requests finish (bounded), then closes the log and the storage */
  close(): Promise<void>;
}

/** The service configuration the server options describe (their `strata`, or the older flat options). */
export function strataConfigOf(options: ServerOptions): StrataConfig {
  if (options.strata) return options.strata;
  const backend = options.backend ?? "embedded";
  return {
    storage:
      backend === "embedded"
        ? { backend, dataDir: options.dataDir ?? "./.strata", fsync: options.fsync ?? "always" }
        : { backend, ...awsConfigFromEnv(options.env ?? process.env) },
    topicDefaults: options.topicDefaults ?? {},
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  };
}

/**
 * @example
 * const server = await startServer({ port: 0, dataDir: "/tmp/strata" });
 * await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  // Checked before storage opens: a bad list fails the start, naming the option.
  const guard = checkGuardOptions({
    listenHost: host,
    allowedHosts: options.allowedHosts,
    corsOrigins: options.corsOrigins,
  });
  const maintenanceIntervalMs = options.maintenanceIntervalMs ?? 60_000;
  checkInterval(maintenanceIntervalMs);
  const prometheus = new PrometheusMetrics();
  const config = strataConfigOf(options);
  const metrics = config.metrics ? allMetrics(config.metrics, prometheus) : prometheus;
  const strata = await createStrata({ ...config, metrics });
  const { log, groups, records, logger } = strata;
  const ready = () => checkReady(strata.storage, options.readyTimeoutMs);
  const app = createApp({
    log,
    groups,
    records,
    limits: options.limits,
    guard,
    logger,
    metrics,
    ready,
    tail: options.tail,
  });
  const readings = new Readings({ log, groups, metrics: prometheus, logger, cacheMs: options.metricsCacheMs });
  installMetricsRoute(app, prometheus, readings);
  const maintenance = startMaintenanceTimer(strata.maintain, maintenanceIntervalMs, logger);
  let server: ReturnType<typeof serve> | undefined;
  let kafka: KafkaListener | undefined;
  try {
    server = await listen(app.fetch, host, options.port ?? 8080);
    if (options.kafkaPort !== undefined) {
      kafka = await startKafkaListener({
        strata,
        host,
        port: options.kafkaPort,
        ...(options.kafkaAdvertised ? { advertised: options.kafkaAdvertised } : {}),
        ...(options.kafkaAutoCreatePartitions
          ? { autoCreateTopics: { partitions: options.kafkaAutoCreatePartitions } }
          : {}),
      });
    }
  } catch (e) {
    if (server !== undefined) await stopHttp(server, 0);
    await maintenance.stop();
    await strata.close();
    throw e;
  }
  const http = server;
  const { port } = http.address() as AddressInfo;
  const warning = exposureWarning(host);
  if (warning) logger.warn({ host }, warning);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Long polls answer (empty) at once instead of being cut when the grace period ends.
      log.stopWaiting();
      await Promise.all([kafka?.close(), stopHttp(http, options.closeGraceMs ?? 1000)]);
      await maintenance.stop();
      await strata.close();
    })();
    return closing;
  };
  return { url, log, groups, close, ...(kafka ? { kafka: { bootstrap: kafka.bootstrap, port: kafka.port } } : {}) };
}

function checkInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs < 0) {
    throw new InvalidArgumentError("STRATA_MAINTENANCE_INTERVAL_MS", "must be a non-negative integer (0 turns it off)");
  }
}

/**
 * The local server's stand-in for the scheduled function: the same maintenance code, in process, one pass at a
 * time (a pass that runs long delays the next instead of overlapping it). A failed pass is logged and retried at
 * the next tick: every maintenance step is leased and idempotent.
 */
function startMaintenanceTimer(
  pass: () => Promise<void>,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  if (intervalMs === 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = pass()
      .then(
        () => {},
        (e) =>
          logger.error(
            { component: "maintenance", code: e?.code ?? "INTERNAL", err: e },
            "pass failed; retrying next time",
          ),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

function listen(fetch: Parameters<typeof serve>[0]["fetch"], hostname: string, port: number) {
  return new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once("error", reject);
  });
}

/** Stop accepting; idle keep-alive sockets close now, busy ones get `graceMs` to finish. */
function stopHttp(server: ReturnType<typeof serve>, graceMs: number): Promise<void> {
  const http = server as import("node:http").Server;
  return new Promise((resolve) => {
    const timer = setTimeout(() => http.closeAllConnections?.(), graceMs);
    http.close(() => {
      clearTimeout(timer);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}
