// The esbuild options of the client's two builds, shared by build.mjs and the test that bundles the SDK for browsers
// (test/client/browser-bundle.test.ts). The browser build is the SDK entry alone on esbuild's browser platform,
// where any `node:` import fails the build; the one the shared codec has (node:zlib, for gzip) is replaced by
// src/zlib-browser.ts, gzip in plain TypeScript. SigV4's optional packages stay external, loaded only when signing is asked for.
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The SDK and the CLI for Node: dist/index.js, dist/cli.js. */
export const nodeBuild = {
  entryPoints: { index: here("src/index.ts"), cli: here("src/cli.ts") },
  outdir: here("dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // zstd-wasm reads its .wasm file next to its own module at run time: it cannot be bundled
  external: ["commander", "@smithy/*", "@aws-sdk/*", "@bokuweb/zstd-wasm"],
  logLevel: "warning",
};

/** The SDK for browsers and edge runtimes: dist/browser.js (the package's "browser" export condition). */
export const browserBuild = {
  entryPoints: { browser: here("src/index.ts") },
  outdir: here("dist"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  alias: { "node:zlib": here("src/zlib-browser.ts") },
  // zstd-wasm's web entry is bundled: it fetches zstd.wasm beside the page; where that fails, only zstd is unavailable
  external: ["@smithy/*", "@aws-sdk/*"],
  logLevel: "warning",
};
