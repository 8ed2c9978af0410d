/**
 * API Gateway HTTP API (payload format 2.0) events as API Gateway sends them to functions/api.ts (shape from
 * the AWS documentation), and the handler loaded the way a deployed function is configured: through the
 * environment, against the AWS emulators the global setup started.
 */
import { inject } from "vitest";
import { type AwsTestStorage, awsTestStorage } from "./aws-storage.js";

export interface ApiGatewayEventOptions {
  /** the raw query string, without "?" */
  query?: string;
  /** a string is sent as is; bytes are base64-encoded and flagged, as API Gateway does with a binary body */
  body?: string | Uint8Array;
  /** request headers besides host and content-length (content-type, accept, user-agent, ...) */
  headers?: Record<string, string>;
  /** requestContext.authorizer (an IAM caller, say) */
  authorizer?: Record<string, unknown>;
  /** requestContext.requestId; by default `req-N`, counted per test file */
  requestId?: string;
}

const HOST = "abc123.execute-api.us-east-1.amazonaws.com";
let requestSeq = 0;

/** One payload 2.0 event for `method path`. */
export function apiGatewayEvent(
  method: string,
  path: string,
  options: ApiGatewayEventOptions = {},
): Record<string, unknown> {
  const binary = options.body instanceof Uint8Array;
  const body = options.body instanceof Uint8Array ? Buffer.from(options.body).toString("base64") : options.body;
  const length = options.body instanceof Uint8Array ? options.body.length : Buffer.byteLength(body ?? "");
  const query = options.query ?? "";
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: {
      host: HOST,
      ...options.headers,
      ...(body !== undefined ? { "content-length": String(length) } : {}),
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
      domainName: HOST,
      domainPrefix: "abc123",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "vitest" },
      requestId: options.requestId ?? `req-${++requestSeq}`,
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: binary,
  };
}

/**
 * Points the environment a deployed function reads at fresh emulator storage, then imports functions/api.ts's
 * handler (after the environment is set: the module reads it on first use). The caller cleans `aws` up.
 */
export async function apiHandlerOnEmulators<H>(): Promise<{ aws: AwsTestStorage; handler: H }> {
  const aws = await awsTestStorage();
  const env = inject("aws");
  Object.assign(process.env, {
    STRATA_BUCKET: aws.bucket,
    STRATA_TABLE: aws.table,
    AWS_REGION: env.region,
    AWS_ENDPOINT_URL_S3: env.s3,
    AWS_ENDPOINT_URL_DYNAMODB: env.dynamodb,
    ...(env.credentials
      ? { AWS_ACCESS_KEY_ID: env.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: env.credentials.secretAccessKey }
      : {}),
  });
  const handler = (await import("../../functions/api.js")).handler as unknown as H;
  return { aws, handler };
}
