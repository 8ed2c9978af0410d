/**
 * Helpers for the CLI tests: the `strata` binary of this checkout (client/bin/strata.js, what the workspace install
 * links as node_modules/.bin/strata), rebuilt once per test file so it runs the current source, against a real
 * local server. The path is this checkout's own: a node_modules that is a symlink to another checkout (a git
 * worktree) would otherwise run that checkout's build.
 */
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";

const BIN = join(process.cwd(), "client/bin/strata.js");

export function buildCli(): void {
  execFileSync("npm", ["run", "build", "-w", "@strata/client"], { stdio: "ignore" });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `strata args` against `url` with `input` on stdin. */
export function runCli(
  url: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, STRATA_URL: url, ...options.env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
    child.stdin!.end(options.input ?? "");
  });
}

/** One line on stderr, the exit code, and no stack trace. */
export function expectOneLineError(r: Run, code: number, text: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(text);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** JSON lines of stdout. */
export const jsonLines = (r: Run): Record<string, unknown>[] =>
  r.stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
