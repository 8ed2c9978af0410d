// `npm start`: runs the built server (dist/server.js), building it first when it is missing or older than any
// source it is built from (lib/, the console's console/src, package.json), so a checkout edited after `npm ci` never runs stale code.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { outfile } from "./paths.mjs";

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestSource(p) : /\.(ts|css|svg)$/.test(e.name) ? statSync(p).mtimeMs : 0;
    if (t > newest) newest = t;
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(outfile).mtimeMs;
  } catch {
    return -1;
  }
}

if (builtAt() < Math.max(newestSource("lib"), newestSource("console"), statSync("package.json").mtimeMs)) {
  const { buildServer } = await import("./build.mjs");
  await buildServer();
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(outfile).href);
