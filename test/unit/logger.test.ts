/**
 * The JSON-lines logger: one JSON object a line, lines below the level dropped, errors written with their code,
 * details and cause, and the fields of withLogContext (a Lambda invocation's request id) on every line inside it.
 */
import { describe, expect, it } from "vitest";
import { invocation } from "../../functions/lambda.js";
import { StrataError } from "../../lib/errors.js";
import { jsonLogger, type LogLevel, parseLogLevel, withLogContext } from "../../lib/util/logger.js";

const capture = (level: LogLevel) => {
  const raw: string[] = [];
  const logger = jsonLogger({ level, write: (l) => raw.push(l), now: () => 42 });
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l)) };
};

describe("jsonLogger", () => {
  it("writes one JSON object a line and drops the lines below its level", () => {
    const { logger, raw, lines } = capture("warn");
    logger.info({ a: 1 }, "dropped");
    logger.child({ component: "x" }).warn({ a: 2 }, "kept");
    expect(raw).toHaveLength(1);
    expect(raw[0]!.endsWith("\n")).toBe(true);
    expect(lines()).toEqual([{ time: 42, level: "warn", msg: "kept", component: "x", a: 2 }]);
  });

  it("writes an error with its code, details and cause", () => {
    const { logger, lines } = capture("debug");
    const cause = new Error("disk said no");
    logger.error({ err: new StrataError("CORRUPT_DATA", "bad bytes", { details: { offset: 3 }, cause }) }, "failed");
    expect(lines()[0].err).toMatchObject({
      message: "bad bytes",
      code: "CORRUPT_DATA",
      details: { offset: 3 },
      cause: { message: "disk said no" },
    });
  });

  it("adds the fields of the surrounding withLogContext, as a Lambda invocation does with its request id", async () => {
    const { logger, lines } = capture("info");
    await withLogContext({ awsRequestId: "req-1" }, async () => logger.info({}, "inside"));
    await invocation({ awsRequestId: "req-2" }, async () => logger.info({}, "handler"));
    logger.info({}, "outside");
    expect(lines().map((l) => l.awsRequestId)).toEqual(["req-1", "req-2", undefined]);
  });

  it("reads STRATA_LOG_LEVEL, naming it when it is wrong", () => {
    expect(parseLogLevel(undefined)).toBe("info");
    expect(parseLogLevel("Error")).toBe("error");
    expect(() => parseLogLevel("verbose")).toThrow(/STRATA_LOG_LEVEL/);
  });
});
