/** The emulator harness defers to endpoints given in the environment (LocalStack, a real account). */
import { describe, expect, it } from "vitest";
import { startEmulators } from "../../support/emulators.js";

describe("startEmulators", () => {
  it("starts nothing when AWS_ENDPOINT_URL is set, and uses it for both services", async () => {
    const emulators = await startEmulators({ AWS_ENDPOINT_URL: "http://localhost:4566" });
    expect(emulators).toMatchObject({
      emulated: false,
      endpoints: { s3: "http://localhost:4566", dynamodb: "http://localhost:4566" },
    });
    await emulators.stop();
  });

  it("prefers the service-specific endpoints", async () => {
    const emulators = await startEmulators({
      AWS_ENDPOINT_URL: "http://localhost:4566",
      AWS_ENDPOINT_URL_S3: "http://s3.local:9000",
    });
    expect(emulators.endpoints).toEqual({ s3: "http://s3.local:9000", dynamodb: "http://localhost:4566" });
  });
});
