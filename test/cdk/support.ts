/**
 * Shared by the CDK tests: the handler entries (with a stand-in for files not written yet), and a stack built
 * without bundling for fast template checks.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { StrataStack } from "../../cdk/stack.js";
import { DEFAULT_ENTRIES, type StrataEntries, type StrataLogServiceProps } from "../../cdk/strata-log-service.js";

export const PENDING_ENTRY = join(import.meta.dirname, "fixtures", "pending-entry.ts");

/** Which of the three handler files are missing from functions/ (written by other work in progress). */
export const MISSING_ENTRIES = (Object.keys(DEFAULT_ENTRIES) as (keyof StrataEntries)[]).filter(
  (k) => !existsSync(DEFAULT_ENTRIES[k]),
);

/** The real entries, with the stand-in for any file that does not exist yet. */
export function testEntries(): StrataEntries {
  const entries = { ...DEFAULT_ENTRIES };
  for (const k of MISSING_ENTRIES) entries[k] = PENDING_ENTRY;
  return entries;
}

/**
 * A Strata stack for template assertions: no bundling (the CDK's bundling-stacks context), so it is fast.
 *
 * @example
 * const { stack } = quickStack({ stage: "prod" });
 */
export function quickStack(
  service: Partial<StrataLogServiceProps> | ((stack: StrataStack) => Partial<StrataLogServiceProps>) = {},
): { app: App; stack: StrataStack } {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new StrataStack(app, "Strata-test", {
    service: (s) => {
      const extra = typeof service === "function" ? service(s as StrataStack) : service;
      return { stage: "dev", entries: testEntries(), ...extra };
    },
  });
  return { app, stack };
}
