/**
 * What the log's job modules (registration, produce, ingest, commit, read, waiting) share: the storage ports,
 * the clock and randomness, the settled options, and the parts built once per log. Built by log.ts only.
 */
import type { Metrics } from "../metrics/metrics.js";
import type { Clock } from "../storage/clock.js";
import type { Ledger } from "../storage/ledger.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { Reader } from "./fetch.js";
import type { Sequencer } from "./sequencer.js";
import type { Topics } from "./topics.js";
import type { Waiter } from "./waiter.js";

export interface LogSettings {
  /** topic metadata cache on the data path (at most 10 s) */
  topicCacheMs: number;
  /** a produce gives up committing this long after its object was written (at most COMMIT_DEADLINE_MS) */
  commitDeadlineMs: number;
  /** how often a waiting fetch looks for commits made by other processes */
  pollIntervalMs: number;
  /** producer.id.expiration.ms */
  producerExpirationMs: number;
}

export interface LogContext {
  ledger: Ledger;
  store: ObjectStore;
  clock: Clock;
  random: () => number;
  settings: LogSettings;
  metrics: Metrics;
  topics: Topics;
  reader: Reader;
  sequencer: Sequencer;
  waiter: Waiter;
}
