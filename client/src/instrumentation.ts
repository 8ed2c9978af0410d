/**
 * Instrumentation events and the logger hook (kafkajs's instrumentation events and logCreator, trimmed): every
 * HTTP request ("request"), every wait before a retry ("retry") and every change of a group member's partitions
 * ("rebalance") is an event that listeners get and that the logger, when given, gets as one entry (request at debug,
 * retry at warn, rebalance at info). A listener or logger that throws never breaks the client: the error is dropped.
 * No node:events, so the core stays portable.
 */
import type { StrataClientError } from "./errors.js";

/** A topic's partition (admin.ts's TopicPartition, restated: the transport imports this file, and admin.ts it). */
interface TopicPartition {
  topic: string;
  partition: number;
}

export interface RequestEvent {
  method: string;
  /** the path without the query */
  path: string;
  /** the HTTP status, or undefined when no answer came */
  status: number | undefined;
  durationMs: number;
  /** the error code when the request failed */
  error?: string;
}

export interface RetryEvent {
  /** what is retried: "produce", "register-producer", "join-group", "fetch", "admin" ... */
  operation: string;
  /** 0 for the first retry */
  attempt: number;
  delayMs: number;
  error: StrataClientError;
}

export interface RebalanceEvent {
  group: string;
  memberId: string;
  memberEpoch: number;
  /** partitions added to this member */
  assigned: TopicPartition[];
  /** partitions it gave back (committed first) */
  revoked: TopicPartition[];
  /** partitions taken away without a commit (fenced, session lapsed) */
  lost: TopicPartition[];
}

export interface ClientEvents {
  request: RequestEvent;
  retry: RetryEvent;
  rebalance: RebalanceEvent;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevel;
  message: string;
  event?: keyof ClientEvents;
  [field: string]: unknown;
}

/** Called with each entry; route it to console, pino, winston... */
export type Logger = (entry: LogEntry) => void;

const LEVEL: Record<keyof ClientEvents, LogLevel> = { request: "debug", retry: "warn", rebalance: "info" };

export class Instrumentation {
  private readonly listeners: { [K in keyof ClientEvents]: Set<(e: ClientEvents[K]) => void> } = {
    request: new Set(),
    retry: new Set(),
    rebalance: new Set(),
  };

  constructor(private readonly logger?: Logger) {}

  /** Listen to an event; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(event: K, listener: (e: ClientEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(e: ClientEvents[K]) => void>;
    if (!set) throw new TypeError(`unknown event ${String(event)} (request, retry or rebalance)`);
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(e: ClientEvents[K]) => void>) {
      try {
        listener(payload);
      } catch {}
    }
    if (this.logger) this.log(LEVEL[event], describe(event, payload), { event, ...payload });
  }

  log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    try {
      this.logger?.({ ...fields, level, message });
    } catch {}
  }
}

function describe<K extends keyof ClientEvents>(event: K, p: ClientEvents[K]): string {
  if (event === "request") {
    const r = p as RequestEvent;
    return `${r.method} ${r.path} -> ${r.status ?? r.error} in ${r.durationMs} ms`;
  }
  if (event === "retry") {
    const r = p as RetryEvent;
    return `${r.operation}: retry ${r.attempt + 1} in ${r.delayMs} ms after ${r.error.code}: ${r.error.message}`;
  }
  const r = p as RebalanceEvent;
  const list = (tps: TopicPartition[]) => tps.map((t) => `${t.topic}/${t.partition}`).join(",") || "-";
  return `group ${r.group}: member ${r.memberId} epoch ${r.memberEpoch}: assigned ${list(r.assigned)} revoked ${list(r.revoked)} lost ${list(r.lost)}`;
}
