/**
 * The local server on the AWS backend without Docker or an account: DynamoDB Local and s3rver (emulators.ts, as
 * the tests run them), the table and the bucket created, then the server (lib/server) on them. close() stops the
 * server, then both emulators. Their data lives in memory and a temporary directory: it goes when they stop.
 * `npm run dev:aws` runs it (main.ts); AWS_ENDPOINT_URL(_S3|_DYNAMODB) set means those endpoints are used
 * instead of starting emulators.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { type RunningServer, startServer } from "../server/server.js";
import { createAwsClients } from "../storage/aws-clients.js";
import { createLedgerTable } from "../storage/dynamodb-ledger.js";
import { serverOptionsFromEnv } from "../strata-config.js";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, type EmulatorEndpoints, startEmulators } from "./emulators.js";

export interface DevAws {
  server: RunningServer;
  endpoints: EmulatorEndpoints;
  bucket: string;
  table: string;
  /** stops the server, then the emulators; once */
  close(): Promise<void>;
}

/**
 * `env` is read as `npm start` reads it (PORT, HOST, STRATA_*); STRATA_BUCKET and STRATA_TABLE default to
 * strata-dev. With emulators, the AWS credentials and region of this process are set to the emulators' own.
 *
 * @example
 * const dev = await startDevAws({ PORT: "0" });
 * await fetch(`${dev.server.url}/readyz`);
 * await dev.close();
 */
export async function startDevAws(env: Record<string, string | undefined> = process.env): Promise<DevAws> {
  const emulators = await startEmulators(env);
  try {
    if (emulators.emulated) {
      // The SDK's default provider chain reads these: s3rver accepts only its own key pair.
      process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
      delete process.env.AWS_SESSION_TOKEN;
    }
    const bucket = env.STRATA_BUCKET || "strata-dev";
    const table = env.STRATA_TABLE || "strata-dev";
    const region = env.AWS_REGION || EMULATOR_REGION;
    await createStorage(emulators.endpoints, bucket, table, region);
    const options = serverOptionsFromEnv({
      ...env,
      STRATA_BACKEND: "aws",
      STRATA_BUCKET: bucket,
      STRATA_TABLE: table,
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: emulators.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
    });
    const server = await startServer(options);
    let closing: Promise<void> | undefined;
    return {
      server,
      endpoints: emulators.endpoints,
      bucket,
      table,
      close() {
        closing ??= server.close().finally(() => emulators.stop());
        return closing;
      },
    };
  } catch (e) {
    await emulators.stop();
    throw e;
  }
}

/** The table and the bucket, unless they exist (external endpoints may already have them). */
async function createStorage(endpoints: EmulatorEndpoints, bucket: string, table: string, region: string) {
  const { s3, dynamodb } = createAwsClients({
    region,
    s3Endpoint: endpoints.s3,
    dynamodbEndpoint: endpoints.dynamodb,
  });
  try {
    await createLedgerTable(dynamodb, table).catch((e) => {
      if (e?.name !== "ResourceInUseException") throw e;
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e) => {
      if (e?.name !== "BucketAlreadyOwnedByYou" && e?.name !== "BucketAlreadyExists") throw e;
    });
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}
