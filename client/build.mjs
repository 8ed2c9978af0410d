// Bundles the SDK and the CLI into dist/ with esbuild. The pure codec (../lib/format and the Kafka partitioner in
// ../lib/log/partitioner.ts) is compiled INTO the bundle, so the published package needs nothing from the server
// at runtime and there is one source of truth for the bytes. Runtime dependencies stay external.
import { build } from "esbuild";

await build({
  entryPoints: { index: "src/index.ts", cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // zstd-wasm reads its .wasm file next to its own module at run time: it cannot be bundled
  external: ["commander", "@smithy/*", "@aws-sdk/*", "@bokuweb/zstd-wasm"],
  logLevel: "warning",
});
