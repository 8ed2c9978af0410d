/**
 * A Node 22 binary to run the Lambda bundles as nodejs22.x does. It is installed with npm (the node-linux-<arch>
 * package ships the official binary) into node_modules/.cache, not as a dependency: any package that provides a
 * `node` bin and sits in the root node_modules is linked as node_modules/.bin/node, and every npm script would
 * then run on Node 22 instead of the project's Node 20 (whose ABI better-sqlite3 is built for).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../cdk/strata-log-service.js";

export const NODE22_VERSION = "22.23.3";

const PREFIX = join(REPO_ROOT, "node_modules", ".cache", `strata-node-${NODE22_VERSION}`);

/**
 * The path of the Node 22 binary, installing it on first use (from npm's cache when it has it).
 *
 * @example
 * spawn(node22Binary(), ["bundle.js"]);
 */
export function node22Binary(): string {
  const pkg = `node-${process.platform}-${process.arch}`;
  const binary = join(PREFIX, "node_modules", pkg, "bin", "node");
  if (existsSync(binary)) return binary;
  const npm = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      PREFIX,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `${pkg}@${NODE22_VERSION}`,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (npm.status !== 0 || !existsSync(binary)) {
    throw new Error(
      `could not install ${pkg}@${NODE22_VERSION} (the Node 22 binary the bundle tests need) into ${PREFIX}:\n` +
        `${npm.stderr || npm.error?.message || ""}`,
    );
  }
  return binary;
}
