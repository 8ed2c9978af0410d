/**
 * The two backends every log scenario runs on: embedded (files + SQLite in a temp dir) and AWS (S3 + DynamoDB
 * on the emulators the global setup started, or whatever AWS_ENDPOINT_URL points at).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { openEmbeddedStorage } from "../../lib/storage/data-dir.js";
import type { Ledger } from "../../lib/storage/ledger.js";
import type { ObjectStore } from "../../lib/storage/object-store.js";
import { type AwsTestStorageOptions, awsTestStorage } from "./aws-storage.js";

export interface TestStorage {
  ledger: Ledger;
  store: ObjectStore;
  /** AWS clients, for request counting and fault middleware (AWS backend only) */
  aws?: { s3: S3Client; dynamodb: DynamoDBClient };
  cleanup(): Promise<void>;
}

export interface Backend {
  name: "embedded" | "aws";
  open(options?: AwsTestStorageOptions): Promise<TestStorage>;
}

export const embedded: Backend = {
  name: "embedded",
  async open() {
    const dir = await mkdtemp(join(tmpdir(), "strata-test-"));
    const storage = await openEmbeddedStorage(dir);
    return {
      ledger: storage.ledger,
      store: storage.store,
      cleanup: async () => {
        await storage.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const aws: Backend = {
  name: "aws",
  async open(options) {
    const s = await awsTestStorage(options);
    return { ledger: s.ledger, store: s.store, aws: { s3: s.s3, dynamodb: s.dynamodb }, cleanup: () => s.cleanup() };
  },
};

export const backends: Backend[] = [embedded, aws];
