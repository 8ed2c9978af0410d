/**
 * The AWS adapters for a test, on the endpoints the global setup provides: a fresh bucket and table per call,
 * so tests never see each other's data, and a cleanup that removes both.
 */
import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { inject } from "vitest";
import { createAwsClients } from "../../lib/storage/aws-clients.js";
import { createLedgerTable, DynamoDbLedger } from "../../lib/storage/dynamodb-ledger.js";
import { S3ObjectStore } from "../../lib/storage/s3-object-store.js";

export interface AwsTestStorage {
  store: S3ObjectStore;
  ledger: DynamoDbLedger;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  bucket: string;
  table: string;
  cleanup(): Promise<void>;
}

export interface AwsTestStorageOptions {
  /**
   * Runs on the fresh clients before the adapters are built: install counting or fault middleware here
   * (see aws-middleware.ts), so it sits inside the SDK's retry and sees every attempt.
   */
  middleware?: (clients: { s3: S3Client; dynamodb: DynamoDBClient }) => void;
  /** SDK attempts per request (default: the adapters' default) */
  maxAttempts?: number;
  /** key prefix for the object store */
  prefix?: string;
}

let counter = 0;

function uniqueName(): string {
  counter += 1;
  const random = Math.random().toString(36).slice(2, 8);
  return `strata-test-${process.pid}-${Date.now().toString(36)}-${counter}-${random}`;
}

/**
 * @example
 * const aws = await awsTestStorage();
 * afterAll(() => aws.cleanup());
 * await aws.store.put("k", new Uint8Array([1]));
 */
export async function awsTestStorage(options: AwsTestStorageOptions = {}): Promise<AwsTestStorage> {
  const env = inject("aws");
  if (!env) throw new Error("no AWS endpoints: is test/support/global-setup.ts in vitest.config.ts globalSetup?");
  if (env.error) throw new Error(`the AWS emulators did not start: ${env.error}`);
  const { s3, dynamodb } = createAwsClients({
    region: env.region,
    s3Endpoint: env.s3,
    dynamodbEndpoint: env.dynamodb,
    ...(env.credentials ? { credentials: env.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
  const bucket = uniqueName();
  const table = uniqueName();
  await Promise.all([s3.send(new CreateBucketCommand({ Bucket: bucket })), createLedgerTable(dynamodb, table)]);
  options.middleware?.({ s3, dynamodb });
  return {
    store: new S3ObjectStore({ client: s3, bucket, ...(options.prefix ? { prefix: options.prefix } : {}) }),
    ledger: new DynamoDbLedger({ client: dynamodb, table }),
    s3,
    dynamodb,
    bucket,
    table,
    cleanup: async () => {
      try {
        await Promise.allSettled([
          emptyAndDeleteBucket(s3, bucket),
          dynamodb.send(new DeleteTableCommand({ TableName: table })),
        ]);
      } finally {
        s3.destroy();
        dynamodb.destroy();
      }
    },
  };
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    // One DeleteObject per key: s3rver wants Content-MD5 on DeleteObjects, which the SDK no longer sends.
    await Promise.all(
      (page.Contents ?? []).map((o) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))),
    );
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
