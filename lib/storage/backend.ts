/**
 * Opening the storage of the configured backend: embedded (a data directory: packs + SQLite, data-dir.ts) or
 * aws (an S3 bucket and a DynamoDB table, aws-clients.ts). Whatever a backend needs beyond the two ports (the
 * embedded TTL sweep) is its own `chores`, which the composition root (lib/strata.ts) runs after maintenance.
 */
import { type AwsClientOptions, openAwsStorage } from "./aws-clients.js";
import { openEmbeddedStorage } from "./data-dir.js";
import type { FsyncPolicy } from "./fsync.js";
import type { Ledger } from "./ledger.js";
import type { ObjectStore } from "./object-store.js";

export interface BackendStorage {
  store: ObjectStore;
  ledger: Ledger;
  /** backend upkeep run after each in-process maintenance pass, at `now` (ms); none for AWS (DynamoDB TTL) */
  chores?(now: number): Promise<void>;
  close(): Promise<void>;
}

export type StorageConfig =
  | { backend: "embedded"; dataDir: string; fsync?: FsyncPolicy }
  | ({ backend: "aws"; bucket: string; table: string } & AwsClientOptions)
  /** storage the caller opened (and closes): tests with fault middleware, benchmarks */
  | { backend: "opened"; storage: Omit<BackendStorage, "close"> };

export async function openBackendStorage(config: StorageConfig): Promise<BackendStorage> {
  switch (config.backend) {
    case "embedded":
      return openEmbeddedStorage(config.dataDir, { fsync: config.fsync ?? "always" });
    case "aws": {
      const { backend: _, ...awsConfig } = config;
      const { store, ledger, close } = openAwsStorage(awsConfig);
      return { store, ledger, close };
    }
    case "opened":
      return {
        store: config.storage.store,
        ledger: config.storage.ledger,
        ...(config.storage.chores ? { chores: config.storage.chores } : {}),
        close: async () => {},
      };
  }
}
