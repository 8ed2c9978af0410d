#!/usr/bin/env node
// The installed command: the bundled CLI (built by `npm run build`, which npm runs as `prepare` on install).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv);
