import type { BuildOptions } from "esbuild";
export declare const nodeBuild: BuildOptions;
export declare const browserBuild: BuildOptions;
