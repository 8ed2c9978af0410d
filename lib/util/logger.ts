/**
 * The logger port, implemented by pino: JSON lines (one object a line: level, time, the fields, msg), written
 * synchronously to stdout by default so a Lambda container frozen after its answer has lost no line. Fields added
 * by `withLogContext` (the Lambda request id) appear on every line written inside it. Callers choose what they
 * log: never credentials or record payloads.
 *
 * @example
 * const logger = jsonLogger({ level: "info" });
 * logger.child({ component: "maintenance" }).error({ code: "CORRUPT_DATA" }, "pass failed");
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { pino } from "pino";
import { InvalidArgumentError } from "../errors.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  /** a logger that adds `bindings` to every line */
  child(bindings: LogFields): Logger;
}

const context = new AsyncLocalStorage<LogFields>();

/** Runs `f` with `fields` on every line any jsonLogger writes inside it (e.g. `{ awsRequestId }` per invocation). */
export function withLogContext<T>(fields: LogFields, f: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, f);
}

export interface JsonLoggerOptions {
  /** lines below it are dropped; default info */
  level?: LogLevel;
  /** where a line (with its trailing newline) goes; default process.stdout, synchronously */
  write?: (line: string) => void;
  /** the clock for `time`; default Date.now */
  now?: () => number;
}

export function jsonLogger(options: JsonLoggerOptions = {}, bindings: LogFields = {}): Logger {
  const now = options.now ?? Date.now;
  const destination = options.write ? { write: options.write } : pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: options.level ?? "info",
      base: bindings,
      messageKey: "msg",
      timestamp: () => `,"time":${now()}`,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
      serializers: { err: errorFields },
    },
    destination,
  );
}

/** A logger that drops everything (library use, tests that do not look). */
export const silentLogger: Logger = jsonLogger({ level: "silent", write: () => {} });

/** `err` becomes its name, message, code, details and stack (and its cause's), which JSON.stringify would drop. */
function errorFields(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return e === undefined ? undefined : String(e);
  const { code, details } = e as { code?: unknown; details?: unknown };
  return {
    type: e.name,
    message: e.message,
    ...(code !== undefined ? { code } : {}),
    ...(details !== undefined ? { details } : {}),
    stack: e.stack,
    ...(e.cause !== undefined && depth < 3 ? { cause: errorFields(e.cause, depth + 1) } : {}),
  };
}

/** STRATA_LOG_LEVEL: one of LOG_LEVELS; default info. */
export function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === "") return "info";
  const level = raw.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new InvalidArgumentError(
    "STRATA_LOG_LEVEL",
    `STRATA_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not "${raw}"`,
  );
}
