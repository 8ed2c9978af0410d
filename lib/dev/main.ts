/**
 * `npm run dev:aws`: DynamoDB Local, s3rver and the server on the AWS backend (aws.ts), configured as `npm start`
 * is (PORT, HOST, STRATA_*; README.md). Ctrl-C (SIGINT) or SIGTERM stops all three. Needs Java 17+ for DynamoDB
 * Local (Debian: apt-get install -y openjdk-17-jre-headless) and the dev dependencies (npm ci).
 */
import { startDevAws } from "./aws.js";

async function main(): Promise<void> {
  console.log("Starting DynamoDB Local and s3rver...");
  const dev = await startDevAws(process.env);
  const { url } = dev.server;
  console.log(`Strata listening on ${url} (aws backend: table ${dev.table}, bucket ${dev.bucket})`);
  console.log(`  DynamoDB Local ${dev.endpoints.dynamodb}, s3rver ${dev.endpoints.s3} (data is gone when stopped)`);
  console.log(
    `  curl -sS -X POST ${url}/v1/topics -H 'content-type: application/json' -d '{"name": "greetings", "partitions": 3}'`,
  );
  console.log("Ctrl-C stops the server and both emulators.");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the server, DynamoDB Local and s3rver`);
    dev.close().then(
      () => process.exit(0),
      (e) => {
        console.error("error while stopping", e);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e) => {
  console.error(`strata dev:aws: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
