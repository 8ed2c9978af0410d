// Where the built server goes: shared by build.mjs and start.mjs (start.mjs must not import build.mjs, which loads esbuild).
export const outfile = "dist/server.js";
