/**
 * The group routes through functions/api.ts, invoked as Lambda invokes it (API Gateway HTTP API payload 2.0
 * events), on S3 + DynamoDB emulators through the same environment variables a deployed function reads: the
 * coordinator the handler builds runs on the DynamoDB ledger.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiGatewayEvent, apiHandlerOnEmulators } from "../support/apigw.js";
import type { AwsTestStorage } from "../support/aws-storage.js";

interface Result {
  statusCode: number;
  body?: string;
  headers?: Record<string, string | number | boolean>;
  isBase64Encoded?: boolean;
}
type Handler = (event: Record<string, unknown>, context: Record<string, unknown>) => Promise<Result>;

let aws: AwsTestStorage;
let handler: Handler;

beforeAll(async () => {
  ({ aws, handler } = await apiHandlerOnEmulators<Handler>());
});
afterAll(async () => aws?.cleanup());

let seq = 0;

/** Sends `method path` with a JSON body, as API Gateway would, and reads the answer back as JSON. */
async function invoke(method: string, path: string, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const result = await handler(
    apiGatewayEvent(method, path, {
      body: text,
      headers: text ? { "content-type": "application/json" } : {},
      requestId: `req-${++seq}`,
    }),
    { functionName: "strata-api", awsRequestId: `test-${seq}` },
  );
  const raw = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64").toString() : (result.body ?? "");
  return {
    status: result.statusCode,
    contentType: String(result.headers?.["content-type"] ?? ""),
    body: raw ? JSON.parse(raw) : undefined,
  };
}

it("join, heartbeat, fenced commit, describe with lag, leave and delete through the Lambda handler", async () => {
  expect((await invoke("POST", "/v1/topics", { name: "lg-orders", partitions: 2 })).status).toBe(201);
  const produced = await invoke("POST", "/v1/topics/lg-orders/records", {
    records: [0, 1, 0, 1, 0].map((partition, i) => ({ value: `e${i}`, partition })),
  });
  expect(produced.body.failed).toBe(0);

  const joined = await invoke("POST", "/v1/groups/lg-billing/members", { topics: ["lg-orders"], memberId: "lg-1" });
  expect(joined.status, JSON.stringify(joined.body)).toBe(200);
  expect(joined.body.assignments).toHaveLength(2);
  const hb = await invoke("POST", "/v1/groups/lg-billing/members/lg-1/heartbeat", {
    memberEpoch: joined.body.memberEpoch,
    owned: joined.body.assignments,
  });
  expect(hb.status).toBe(200);
  expect(hb.body.memberEpoch).toBe(joined.body.memberEpoch);

  const committed = await invoke("POST", "/v1/groups/lg-billing/offsets", {
    memberId: "lg-1",
    memberEpoch: hb.body.memberEpoch,
    offsets: [
      { topic: "lg-orders", partition: 0, offset: 2 },
      { topic: "lg-orders", partition: 1, offset: 1, metadata: "m" },
    ],
  });
  expect(committed.status, JSON.stringify(committed.body)).toBe(200);
  const fenced = await invoke("POST", "/v1/groups/lg-billing/offsets", {
    memberId: "lg-1",
    memberEpoch: hb.body.memberEpoch + 5,
    offsets: [{ topic: "lg-orders", partition: 0, offset: 3 }],
  });
  expect(fenced.status).toBe(409);
  expect(fenced.contentType).toContain("application/problem+json");
  expect(fenced.body).toMatchObject({ type: "urn:strata:problem:fenced-member", action: "rejoin" });

  const described = await invoke("GET", "/v1/groups/lg-billing");
  expect(described.body).toMatchObject({ group: "lg-billing", state: "Stable" });
  expect(described.body.offsets).toEqual([
    { topic: "lg-orders", partition: 0, offset: 2, metadata: "", highWatermark: 3, lag: 1 },
    { topic: "lg-orders", partition: 1, offset: 1, metadata: "m", highWatermark: 2, lag: 1 },
  ]);
  expect((await invoke("GET", "/v1/groups")).body).toEqual({ groups: ["lg-billing"] });

  expect((await invoke("DELETE", "/v1/groups/lg-billing")).status).toBe(409);
  expect((await invoke("DELETE", "/v1/groups/lg-billing/members/lg-1")).status).toBe(204);
  expect((await invoke("DELETE", "/v1/groups/lg-billing")).status).toBe(204);
  expect((await invoke("GET", "/v1/groups/lg-billing")).status).toBe(404);
});
