/**
 * The composition root: createStrata builds the whole service (storage of the configured backend, the log, the
 * group coordinator, deleteRecords, maintenance, metrics, logger) from one config object, with one clock for
 * all of it. Every edge (lib/server, functions/) and every helper that needs a service starts here; edges add
 * only their transport (README, "Architecture").
 *
 * @example
 * const strata = await createStrata({ storage: { backend: "embedded", dataDir: "./.strata" } });
 * await strata.log.createTopic("greetings", 3);
 * await strata.close();
 */
import { zstdLoadFailure, zstdReady } from "./format/zstd.js";
import { GroupCoordinator } from "./groups/coordinator.js";
import { createLog, type Log, type LogOptions } from "./log/log.js";
import { recordsAdmin } from "./maintenance/delete-records.js";
import { createMaintenance, type Maintenance, type MaintenanceOptions } from "./maintenance/maintain.js";
import type { Metrics } from "./metrics/metrics.js";
import { type BackendStorage, openBackendStorage, type StorageConfig } from "./storage/backend.js";
import { type Clock, systemClock } from "./storage/clock.js";
import { jsonLogger, type Logger, type LogLevel } from "./util/logger.js";

export type { StorageConfig } from "./storage/backend.js";

export interface StrataConfig {
  storage: StorageConfig;
  /** the one clock of the log, groups, deleteRecords and maintenance; default the system clock */
  clock?: Clock;
  /** default: JSON lines on stdout at `logLevel` */
  logger?: Logger;
  /** the default logger's level; default warn, so a library or test caller stays quiet (npm start and Lambda read STRATA_LOG_LEVEL, default info) */
  logLevel?: LogLevel;
  /** where the log's and maintenance's counts go (CloudWatch EMF in Lambda, Prometheus on the local server); default nowhere */
  metrics?: Metrics;
  /** topic config a new topic starts from (STRATA_TOPIC_DEFAULTS) */
  topicDefaults?: Record<string, string | number>;
  /** log tuning (tests and benchmarks) */
  log?: Omit<LogOptions, "metrics" | "topicDefaults">;
  maintenance?: MaintenanceOptions;
}

export interface Strata {
  storage: BackendStorage;
  clock: Clock;
  logger: Logger;
  log: Log;
  /** the consumer-group coordinator: stateless over the ledger, so any number of processes may share a group */
  groups: GroupCoordinator;
  /** Kafka's deleteRecords */
  records: ReturnType<typeof recordsAdmin>;
  maintenance: Maintenance;
  /** one in-process maintenance pass, then the backend's own chores (the embedded TTL sweep) */
  maintain(): Promise<void>;
  /** closes the log (waiting fetches answer) and then the storage; once */
  close(): Promise<void>;
}

export async function createStrata(config: StrataConfig): Promise<Strata> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? jsonLogger({ level: config.logLevel ?? "warn" });
  // zstd's WASM module loads once per process; every decode of a zstd batch below assumes it has.
  await zstdReady();
  const zstdFailure = zstdLoadFailure();
  if (zstdFailure !== undefined) {
    // The other codecs work; a zstd batch is refused (produce) or a corrupt-data problem (fetch), naming the cause.
    logger.error({ code: "ZSTD_UNAVAILABLE" }, `zstd batches cannot be read or written: ${zstdFailure}`);
  }
  const storage = await openBackendStorage(config.storage);
  const { ledger, store } = storage;
  const log = createLog({
    ledger,
    store,
    clock,
    options: {
      ...config.log,
      topicDefaults: config.topicDefaults ?? {},
      ...(config.metrics ? { metrics: config.metrics } : {}),
    },
  });
  const groups = new GroupCoordinator({ ledger, topics: log, clock });
  const records = recordsAdmin({ ledger, topics: log.topics, clock });
  const maintenance = createMaintenance({
    ledger,
    store,
    clock,
    ...(config.metrics ? { metrics: config.metrics } : {}),
    ...(config.maintenance ? { options: config.maintenance } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    storage,
    clock,
    logger,
    log,
    groups,
    records,
    maintenance,
    async maintain() {
      await maintenance.maintain();
      await storage.chores?.(clock.now());
    },
    close() {
      closing ??= (async () => {
        try {
          await log.close();
        } finally {
          await storage.close();
        }
      })();
      return closing;
    },
  };
}
