/** Building the AWS backend from the environment, and classifying AWS errors (no network). */
import { describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { awsConfigFromEnv, openAwsStorage } from "../../../lib/storage/aws-clients.js";
import { transientAwsError, unexpectedAwsError } from "../../../lib/storage/aws-errors.js";
import { faultError } from "../../support/aws-middleware.js";

const fromEnv = (env: Record<string, string>) => openAwsStorage(awsConfigFromEnv(env));

describe("openAwsStorage(awsConfigFromEnv(env))", () => {
  it("uses the service endpoints, path-style S3 and standard retries with a few attempts", async () => {
    const { s3, dynamodb, store, ledger } = fromEnv({
      STRATA_BUCKET: "b",
      STRATA_TABLE: "t",
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2",
    });
    try {
      expect(store).toBeDefined();
      expect(ledger).toBeDefined();
      expect(await s3.config.region()).toBe("eu-west-1");
      expect(s3.config.forcePathStyle).toBe(true);
      expect((await s3.config.endpoint?.())?.port).toBe(2);
      expect((await dynamodb.config.endpoint?.())?.port).toBe(1);
      expect(await dynamodb.config.maxAttempts()).toBe(4);
      expect(await dynamodb.config.retryStrategy()).toMatchObject({ mode: "standard" });
    } finally {
      s3.destroy();
      dynamodb.destroy();
    }
  });

  it("defaults the region to us-east-1 and uses virtual-hosted S3 without an endpoint", async () => {
    const { s3, dynamodb } = fromEnv({ STRATA_BUCKET: "b", STRATA_TABLE: "t" });
    try {
      expect(await s3.config.region()).toBe("us-east-1");
      expect(s3.config.forcePathStyle).toBe(false);
    } finally {
      s3.destroy();
      dynamodb.destroy();
    }
  });

  it("names the missing variable", () => {
    expect(() => fromEnv({ STRATA_TABLE: "t" })).toThrow(/STRATA_BUCKET/);
    expect(() => fromEnv({ STRATA_BUCKET: "b" })).toThrow(/STRATA_TABLE/);
  });
});

describe("AWS error classification", () => {
  it.each([
    ["throughputExceeded", "THROTTLED"],
    ["throttling", "THROTTLED"],
    ["slowDown", "THROTTLED"],
    ["internalError", "UNAVAILABLE"],
    ["timeout", "UNAVAILABLE"],
  ] as const)("%s is retriable %s, keeping the SDK error as cause", (kind, code) => {
    const sdkError = faultError(kind, "PutItem");
    const mapped = transientAwsError(sdkError, "PutItem");
    expect(mapped).toBeInstanceOf(StrataError);
    expect(mapped).toMatchObject({ code, retriable: true });
    expect(mapped?.cause).toBe(sdkError);
  });

  it("network failures, also when wrapped, are retriable", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(transientAwsError(reset, "GetObject")).toMatchObject({ code: "UNAVAILABLE", retriable: true });
    const wrapped = new Error("request failed", { cause: reset });
    expect(transientAwsError(wrapped, "GetObject")).toMatchObject({ code: "UNAVAILABLE", retriable: true });
  });

  it("client errors are not transient and become non-retriable INTERNAL errors", () => {
    for (const kind of ["validation", "accessDenied"] as const) {
      const sdkError = faultError(kind, "PutItem");
      expect(transientAwsError(sdkError, "PutItem")).toBeUndefined();
      expect(unexpectedAwsError(sdkError, "PutItem")).toMatchObject({ code: "INTERNAL", retriable: false });
    }
  });
});
