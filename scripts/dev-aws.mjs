// `npm run dev:aws`: builds lib/dev/main.ts (the server on the AWS backend over DynamoDB Local and s3rver) into
// dist/dev-aws.js and runs it in this process, so Ctrl-C reaches it directly. See lib/dev/aws.ts.
import { pathToFileURL } from "node:url";
import { buildEntry } from "./build.mjs";

const out = "dist/dev-aws.js";
await buildEntry("lib/dev/main.ts", out);
process.setSourceMapsEnabled(true);
await import(pathToFileURL(out).href);
