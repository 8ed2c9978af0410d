/**
 * A real browser for the console's tests: Debian's Chromium driven by playwright-core, headless, with a fresh
 * profile that is deleted afterwards, and no traffic of its own (no updates, sync or QUIC). Also: an axe-core
 * scan of a page (axe injected from node_modules, nothing fetched), and a record of what the page logs as errors.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { findBinary } from "./binaries.js";

/** Chromium's path, or undefined (skip) when it is not installed outside CI. */
export const chromiumPath = () => findBinary("Chromium", ["/usr/bin/chromium", "chromium", "chromium-browser"]);

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "strata-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = () => readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's violations of impact serious or critical on the page as it is now. axe goes in through the DevTools
 * protocol (evaluate), which the console's Content-Security-Policy does not block, unlike an inline script tag.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(axeSource());
  const violations = (await page.evaluate(
    `axe.run(document).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)),
    })))`,
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export interface PageErrors {
  /** console messages of type error and uncaught exceptions since the last call, but failed responses expected */
  unexpected(): string[];
  /** a response with this status for a URL whose path matches is expected (the browser logs it as an error) */
  expect(status: number, path: RegExp): void;
}

/** Records what the page logs as errors from now on. */
export function watchErrors(page: Page): PageErrors {
  const errors: { text: string; url: string }[] = [];
  const expected: { status: number; path: RegExp }[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push({ text: m.text(), url: m.location().url });
  });
  page.on("pageerror", (e) => errors.push({ text: `uncaught: ${e.message}`, url: "" }));
  return {
    expect: (status, path) => expected.push({ status, path }),
    unexpected: () =>
      errors
        .splice(0)
        .filter((e) => {
          const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
          if (!m) return true;
          const path = e.url ? new URL(e.url).pathname : "";
          return !expected.some((x) => x.status === Number(m[1]) && x.path.test(path));
        })
        .map((e) => `${e.text} ${e.url}`),
  };
}
