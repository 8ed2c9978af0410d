/**
 * The client's SigV4 signing (@smithy/signature-v4 underneath), cross-checked against an independent SigV4
 * implementation (the aws4 package): for the same request, credentials and time both must produce the same
 * Authorization header, and a different secret must not. No emulator here verifies signatures (s3rver and
 * DynamoDB Local accept any), and there is no AWS account on these machines.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createSigner, type OutgoingRequest } from "../../client/src/auth.js";

const require = createRequire(import.meta.url);
const aws4 = require("aws4") as {
  sign(
    request: {
      host: string;
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string;
      service: string;
      region: string;
      doNotModifyHeaders?: boolean;
    },
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ): { headers: Record<string, string> };
};

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

async function signWithClient(
  method: string,
  url: string,
  body: string | undefined,
  secret = credentials.secretAccessKey,
) {
  const sign = createSigner({
    type: "sigv4",
    region: "eu-west-1",
    service: "execute-api",
    credentials: { ...credentials, secretAccessKey: secret },
  });
  const request: OutgoingRequest = {
    method,
    url: new URL(url),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : new TextEncoder().encode(body),
  };
  await sign(request);
  return request;
}

function signWithAws4(method: string, url: string, body: string | undefined, signed: OutgoingRequest) {
  const u = new URL(url);
  // The same headers the client sent (its signer adds the date and the payload hash), minus the signature.
  const { authorization: _, ...headers } = signed.headers;
  const out = aws4.sign(
    {
      host: u.host,
      method,
      path: `${u.pathname}${u.search}`,
      headers,
      body: body ?? "",
      service: "execute-api",
      region: "eu-west-1",
      // aws4 would add and sign Content-Length; the client leaves it to fetch. Both are valid SigV4.
      doNotModifyHeaders: true,
    },
    credentials,
  );
  return out.headers.Authorization ?? out.headers.authorization;
}

describe("SigV4 signing", () => {
  for (const [method, url, body] of [
    [
      "GET",
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/topics/orders/partitions/0/records?offset=5&maxRecords=10",
      undefined,
    ],
    [
      "POST",
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/topics/orders/records",
      '{"records":[{"value":"hi"}]}',
    ],
  ] as const) {
    it(`matches an independent implementation: ${method}`, async () => {
      const signed = await signWithClient(method, url, body);
      expect(signed.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
      );
      const independent = signWithAws4(method, url, body, signed);
      // Same signed headers and the same signature.
      const sig = (h: string) => /Signature=([0-9a-f]{64})/.exec(h)?.[1];
      expect(sig(signed.headers.authorization!)).toBeDefined();
      expect(sig(signed.headers.authorization!)).toBe(sig(independent!));
      const wrong = await signWithClient(method, url, body, "another-secret");
      expect(sig(wrong.headers.authorization!)).not.toBe(sig(independent!));
    });
  }

  it("adds a bearer token, fetched per request when given as a function", async () => {
    let n = 0;
    const sign = createSigner({ type: "bearer", token: () => `t${++n}` });
    const request: OutgoingRequest = {
      method: "GET",
      url: new URL("http://127.0.0.1/x"),
      headers: {},
      body: undefined,
    };
    await sign(request);
    expect(request.headers.authorization).toBe("Bearer t1");
    await sign(request);
    expect(request.headers.authorization).toBe("Bearer t2");
  });
});
