/**
 * GET /readyz touches the storage (one ledger read, one object listing) and answers 503 problem+json naming the
 * part that did not answer and why; GET /healthz stays a liveness check that answers while the storage is down.
 * The storage is broken for real: the object store is an s3rver this test stops, the ledger a DynamoDB
 * endpoint where nothing listens.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort, startS3rver } from "../../lib/dev/emulators.js";
import { type RunningServer, startServer } from "../../lib/server/server.js";
import { createAwsClients } from "../../lib/storage/aws-clients.js";
import { awsTestStorage } from "../support/aws-storage.js";
import { client } from "./http-support.js";

const running: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function awsServer(s3Endpoint: string, dynamodbEndpoint: string, bucket: string, table: string) {
  const env = inject("aws");
  const server: RunningServer = await startServer({
    port: 0,
    maintenanceIntervalMs: 0,
    readyTimeoutMs: 2000,
    strata: {
      storage: {
        backend: "aws",
        bucket,
        table,
        region: env.region,
        s3Endpoint,
        dynamodbEndpoint,
        maxAttempts: 1,
        ...(env.credentials ? { credentials: env.credentials } : {}),
      },
    },
  });
  running.push(server);
  return client(server.url);
}

describe("GET /readyz", () => {
  it("is 200 while the storage answers, and 503 naming the object store once it stops", async () => {
    const aws = await awsTestStorage();
    running.push({ close: () => aws.cleanup() });
    const s3rver = await startS3rver();
    running.push({ close: () => s3rver.stop() });
    const env = inject("aws");
    const { s3 } = createAwsClients({
      region: env.region,
      s3Endpoint: s3rver.endpoint,
      ...(env.credentials ? { credentials: env.credentials } : {}),
    });
    await s3.send(new CreateBucketCommand({ Bucket: "ready" }));
    s3.destroy();
    const api = await awsServer(s3rver.endpoint, inject("aws").dynamodb, "ready", aws.table);

    const ready = await api.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });

    await s3rver.stop();
    const down = await api.get("/readyz");
    expect(down.status).toBe(503);
    expect(down.contentType).toBe("application/problem+json");
    expect(down.headers.get("retry-after")).toBe("1");
    expect(down.body).toMatchObject({ status: 503, title: "Not ready", part: "object store" });
    expect(down.body.type).toMatch(/not-ready$/);
    expect(down.body.detail).toMatch(/^object store unreachable: .*(ECONNREFUSED|no answer)/);
    expect((await api.get("/healthz")).status).toBe(200);
  });

  it("is 503 naming the ledger when DynamoDB does not answer", async () => {
    const aws = await awsTestStorage();
    running.push({ close: () => aws.cleanup() });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const api = await awsServer(inject("aws").s3, nowhere, aws.bucket, "no-table");
    const down = await api.get("/readyz");
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 503, part: "ledger" });
    expect(down.body.detail).toMatch(/^ledger unreachable: /);
    expect((await api.get("/healthz")).status).toBe(200);
  });
});
