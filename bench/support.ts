/** Shared by the bench sections: timing, percentiles, fixtures, and the backends (emulators for AWS). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { createAwsClients } from "../lib/storage/aws-clients.js";
import { openEmbeddedStorage } from "../lib/storage/data-dir.js";
import { createLedgerTable, DynamoDbLedger } from "../lib/storage/dynamodb-ledger.js";
import type { Ledger } from "../lib/storage/ledger.js";
import type { ObjectStore } from "../lib/storage/object-store.js";
import { S3ObjectStore } from "../lib/storage/s3-object-store.js";
import { countRequests, type RequestCounter } from "../test/support/aws-middleware.js";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, type Emulators, startEmulators } from "../test/support/emulators.js";

export const now = () => performance.now();

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Figures {
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `op` n times in sequence (each returns how many 1 KiB records it moved): throughput and latency. */
export async function timed(n: number, op: () => Promise<number>): Promise<Figures> {
  const latencies: number[] = [];
  let records = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const s = now();
    records += await op();
    latencies.push(now() - s);
  }
  const secs = (now() - t0) / 1000;
  return {
    recordsPerSec: round(records / secs, 0),
    mbPerSec: round((records * 1024) / (1024 * 1024) / secs),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

/** 1 KiB values that compress about as well as JSON events do (neither random nor constant). */
export function recordValue(i: number): Uint8Array {
  const text = JSON.stringify({ id: i, customer: `customer-${i % 997}`, items: [i % 13, i % 7], note: "x".repeat(40) });
  const out = new Uint8Array(1024);
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < out.length; at += bytes.length)
    out.set(bytes.subarray(0, Math.min(bytes.length, out.length - at)), at);
  return out;
}

export interface BenchBackend {
  name: "embedded" | "aws";
  ledger: Ledger;
  store: ObjectStore;
  dir?: string;
  counter?: RequestCounter;
  close(): Promise<void>;
}

export async function embeddedBackend(): Promise<BenchBackend> {
  const dir = await mkdtemp(join(process.env.STRATA_BENCH_DIR ?? tmpdir(), "strata-bench-"));
  const s = await openEmbeddedStorage(dir);
  return {
    name: "embedded",
    ledger: s.ledger,
    store: s.store,
    dir,
    close: async () => {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let emulators: Emulators | undefined;

export async function awsBackend(): Promise<BenchBackend> {
  emulators ??= await startEmulators();
  const { s3, dynamodb } = createAwsClients({
    region: EMULATOR_REGION,
    s3Endpoint: emulators.endpoints.s3,
    dynamodbEndpoint: emulators.endpoints.dynamodb,
    ...(emulators.emulated ? { credentials: EMULATOR_CREDENTIALS } : {}),
  });
  const name = `strata-bench-${Date.now().toString(36)}`;
  await Promise.all([s3.send(new CreateBucketCommand({ Bucket: name })), createLedgerTable(dynamodb, name)]);
  const counter = countRequests(s3, dynamodb);
  return {
    name: "aws",
    ledger: new DynamoDbLedger({ client: dynamodb, table: name }),
    store: new S3ObjectStore({ client: s3, bucket: name }),
    counter,
    close: async () => {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}

export async function stopEmulators(): Promise<void> {
  await emulators?.stop();
  emulators = undefined;
}
