// Bundles the SDK and the CLI into dist/ with esbuild (options in build-options.mjs). The pure codec (../lib/format
// and the Kafka partitioner in ../lib/log/partitioner.ts) is compiled INTO the bundle, so the published package needs
// nothing from the server at runtime and there is one source of truth for the bytes. Runtime dependencies stay
// external. dist/browser.js is the SDK for browsers and edge runtimes (no node: imports).
import { build } from "esbuild";
import { browserBuild, nodeBuild } from "./build-options.mjs";

await Promise.all([build(nodeBuild), build(browserBuild)]);
