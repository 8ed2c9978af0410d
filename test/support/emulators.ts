/** The AWS emulators (lib/dev/emulators.ts, shared with `npm run dev:aws`). */
export * from "../../lib/dev/emulators.js";
