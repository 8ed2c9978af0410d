/**
 * A logger for tests that keeps what it writes: the raw text (to prove what never appears) and the parsed lines.
 *
 * @example
 * const captured = captureLog();
 * const server = await startTestServer({ logger: captured.logger });
 * expect(captured.lines.filter((l) => l.msg === "request")).toHaveLength(1);
 */
import { jsonLogger, type Logger, type LogLevel } from "../../lib/util/logger.js";

// biome-ignore lint/suspicious/noExplicitAny: log lines of any shape; the tests assert on them
export type LogLine = Record<string, any>;

export interface CapturedLog {
  logger: Logger;
  lines: LogLine[];
  /** everything written, as written */
  text(): string;
  clear(): void;
}

export function captureLog(level: LogLevel = "debug"): CapturedLog {
  let raw: string[] = [];
  const lines: LogLine[] = [];
  return {
    logger: jsonLogger({
      level,
      write: (line) => {
        raw.push(line);
        lines.push(JSON.parse(line));
      },
    }),
    lines,
    text: () => raw.join(""),
    clear: () => {
      raw = [];
      lines.length = 0;
    },
  };
}
