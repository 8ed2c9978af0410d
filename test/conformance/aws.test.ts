/**
 * Both conformance suites on the AWS adapters: S3ObjectStore and DynamoDbLedger on the endpoints the global
 * setup provides (s3rver and DynamoDB Local by default; LocalStack or a real account via AWS_ENDPOINT_URL).
 */
import { awsTestStorage } from "../support/aws-storage.js";
import { ledgerConformance } from "./ledger-suite.js";
import { objectStoreConformance } from "./object-store-suite.js";

objectStoreConformance("S3ObjectStore", async () => {
  const { store, cleanup } = await awsTestStorage();
  return { store, cleanup };
});

objectStoreConformance("S3ObjectStore with a key prefix", async () => {
  const { store, cleanup } = await awsTestStorage({ prefix: "tenant/" });
  return { store, cleanup };
});

ledgerConformance("DynamoDbLedger", async () => {
  const { ledger, cleanup } = await awsTestStorage();
  return { ledger, cleanup };
});
