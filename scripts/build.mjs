// Builds the local server (lib/server/main.ts and everything it imports) into one ES module, dist/server.js,
// so `npm start` runs plain JavaScript in one node process. npm ci runs it (prepare); scripts/start.mjs runs it
// again when a source file is newer than the build. Packages from node_modules stay external (better-sqlite3 is
// native; the rest are loaded as installed). Files are written aside and renamed into place, so a server
// starting while another process rebuilds never loads half a file. The web console is built first
// (build-console.mjs): the server embeds it.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { buildConsole } from "./build-console.mjs";
import { outfile } from "./paths.mjs";

export async function buildServer() {
  await buildConsole();
  return buildEntry("lib/server/main.ts", outfile);
}

/** One entry point and what it imports into one ES module at `out` (packages stay external). */
export async function buildEntry(entryPoint, out) {
  const { outputFiles } = await build({
    entryPoints: [entryPoint],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: true,
    write: false,
    logLevel: "warning",
  });
  // the map first: the server file appears last, complete
  for (const file of outputFiles.sort((a, b) => b.path.length - a.path.length)) {
    await mkdir(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    await writeFile(aside, file.contents);
    await rename(aside, file.path);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildServer();
