import { defineConfig } from "vitest/config";

// Tests that start emulators (DynamoDB Local, s3rver) or servers share one global setup that
// starts them once on free loopback ports; see test/support/global-setup.ts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
