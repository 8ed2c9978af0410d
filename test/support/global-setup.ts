/**
 * vitest globalSetup: builds the web console (the app embeds it, so every run tests the current console/src),
 * starts the AWS emulators once per run (see emulators.ts) and hands their endpoints to the test workers through
 * `provide`/`inject` (test/support/aws-storage.ts reads them).
 */
import type { TestProject } from "vitest/node";
import { buildConsole } from "../../scripts/build-console.mjs";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmulators } from "./emulators.js";

export interface AwsTestEnvironment {
  s3: string;
  dynamodb: string;
  region: string;
  /** dummy credentials for emulators; absent when the endpoints came from the environment */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** why the emulators could not be started (no Java, ...) */
  error?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    aws: AwsTestEnvironment;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildConsole();
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  try {
    emulators = await startEmulators();
  } catch (error) {
    // Tests that need no AWS still run; every awsTestStorage() call fails with this reason.
    project.provide("aws", { s3: "", dynamodb: "", region: EMULATOR_REGION, error: String(error) });
    return async () => {};
  }
  if (emulators.emulated) {
    // Anything in the workers that builds a client from the environment talks to the emulators with these.
    process.env.AWS_ACCESS_KEY_ID ??= EMULATOR_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= EMULATOR_CREDENTIALS.secretAccessKey;
  }
  project.provide("aws", {
    ...emulators.endpoints,
    region: process.env.AWS_REGION || EMULATOR_REGION,
    ...(emulators.emulated ? { credentials: EMULATOR_CREDENTIALS } : {}),
  });
  return () => emulators.stop();
}
