/**
 * Building the AWS clients and adapters from options or the environment. How their errors are classified is
 * lib/storage/aws-errors.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { StrataError } from "../errors.js";
import { DynamoDbLedger } from "./dynamodb-ledger.js";
import { S3ObjectStore } from "./s3-object-store.js";

/** A few attempts: enough to ride out a throttling burst, few enough to stay inside a Lambda/API timeout. */
export const AWS_MAX_ATTEMPTS = 4;
/** Time to open a connection, and the longest a socket may sit idle waiting for a response. */
export const AWS_CONNECTION_TIMEOUT_MS = 3_000;
export const AWS_REQUEST_TIMEOUT_MS = 10_000;

export interface AwsClientOptions {
  region?: string;
  /** S3 endpoint (s3rver, LocalStack); path-style addressing is used when set */
  s3Endpoint?: string;
  /** DynamoDB endpoint (DynamoDB Local, LocalStack) */
  dynamodbEndpoint?: string;
  /** explicit credentials (emulators); default: the SDK's provider chain */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
  /** longest wait for a response on an open connection (default AWS_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs?: number;
}

/**
 * The two SDK clients, configured the way the adapters expect.
 *
 * @example
 * const { s3, dynamodb } = createAwsClients({ region: "us-east-1" });
 */
export function createAwsClients(options: AwsClientOptions = {}): { s3: S3Client; dynamodb: DynamoDBClient } {
  const common = {
    region: options.region ?? "us-east-1",
    retryMode: "standard",
    maxAttempts: options.maxAttempts ?? AWS_MAX_ATTEMPTS,
    // The SDK waits forever by default; a stuck connection must become a (retriable) TimeoutError well
    // inside API Gateway's 30 s instead.
    // (Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes.)
    requestHandler: {
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? AWS_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const s3 = new S3Client({
    ...common,
    ...(options.s3Endpoint ? { endpoint: options.s3Endpoint, forcePathStyle: true } : {}),
  });
  const dynamodb = new DynamoDBClient({
    ...common,
    ...(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {}),
  });
  return { s3, dynamodb };
}

/**
 * Where the AWS backend lives, from the environment: STRATA_BUCKET, STRATA_TABLE, AWS_REGION (default
 * us-east-1), AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB (service-specific wins).
 */
export function awsConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): { bucket: string; table: string } & AwsClientOptions {
  const bucket = env.STRATA_BUCKET;
  const table = env.STRATA_TABLE;
  if (!bucket) throw new StrataError("INVALID_ARGUMENT", "STRATA_BUCKET is not set", { details: { field: "env" } });
  if (!table) throw new StrataError("INVALID_ARGUMENT", "STRATA_TABLE is not set", { details: { field: "env" } });
  return {
    bucket,
    table,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    s3Endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined,
  };
}

/**
 * The AWS adapters over their own clients, and a close that releases the clients' connections.
 *
 * @example
 * const { store, ledger, close } = openAwsStorage(awsConfigFromEnv(process.env));
 */
export function openAwsStorage(config: { bucket: string; table: string } & AwsClientOptions): {
  store: S3ObjectStore;
  ledger: DynamoDbLedger;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  close(): Promise<void>;
} {
  const { bucket, table, ...options } = config;
  const { s3, dynamodb } = createAwsClients(options);
  return {
    store: new S3ObjectStore({ client: s3, bucket }),
    ledger: new DynamoDbLedger({ client: dynamodb, table }),
    s3,
    dynamodb,
    close: async () => {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}
