/**
 * Request authentication: a bearer token, or AWS SigV4 for deployments whose API Gateway routes use IAM
 * authorization. SigV4 uses the official @smithy/signature-v4 and @aws-sdk/credential-providers (no hand-written
 * signing). They are optional dependencies, imported on first use, so users who never sign never load them.
 */
import { InvalidInputError } from "./errors.js";
import { envVar } from "./runtime.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type Auth =
  | { type: "none" }
  /** `Authorization: Bearer <token>`; a function is called per request (refresh it there) */
  | { type: "bearer"; token: string | (() => string | Promise<string>) }
  | {
      type: "sigv4";
      /** default AWS_REGION, then us-east-1 */
      region?: string;
      /** default "execute-api" (API Gateway) */
      service?: string;
      /** default: the AWS SDK's node provider chain (environment, profile, SSO, IMDS...) */
      credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
      /** named profile for the default chain */
      profile?: string;
    };

/** What a signer sees and changes: the final request, headers included. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

export type Signer = (request: OutgoingRequest) => Promise<void>;

/** A signer for `auth` that adds its headers to the request. */
export function createSigner(auth: Auth | undefined): Signer {
  if (auth === undefined || auth.type === "none") return async () => {};
  if (auth.type === "bearer") {
    return async (request) => {
      const token = typeof auth.token === "function" ? await auth.token() : auth.token;
      request.headers.authorization = `Bearer ${token}`;
    };
  }
  if (auth.type === "sigv4") return sigV4Signer(auth);
  throw new InvalidInputError(`unknown auth type ${(auth as { type: string }).type}`);
}

type SigV4Auth = Extract<Auth, { type: "sigv4" }>;

async function loadOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new InvalidInputError(
      `SigV4 signing needs the optional dependency ${name}; install it (npm install ${name})`,
      { cause },
    );
  }
}

function sigV4Signer(auth: SigV4Auth): Signer {
  let signer: Promise<{ sign(request: unknown): Promise<{ headers: Record<string, string> }> }> | undefined;
  const init = async () => {
    const { SignatureV4 } = await loadOptional("@smithy/signature-v4", () => import("@smithy/signature-v4"));
    const { Hash } = await loadOptional("@smithy/hash-node", () => import("@smithy/hash-node"));
    let credentials = auth.credentials;
    if (credentials === undefined) {
      const { fromNodeProviderChain } = await loadOptional(
        "@aws-sdk/credential-providers",
        () => import("@aws-sdk/credential-providers"),
      );
      credentials = fromNodeProviderChain(auth.profile ? { profile: auth.profile } : {});
    }
    return new SignatureV4({
      credentials,
      region: auth.region ?? envVar("AWS_REGION") ?? "us-east-1",
      service: auth.service ?? "execute-api",
      sha256: Hash.bind(null, "sha256"),
    });
  };
  return async (request) => {
    signer ??= init();
    const s = await signer;
    const query: Record<string, string> = {};
    request.url.searchParams.forEach((v, k) => {
      query[k] = v;
    });
    const signed = await s.sign({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    for (const [k, v] of Object.entries(signed.headers)) {
      // fetch sets Host itself from the URL (the same value we signed)
      if (k.toLowerCase() !== "host") request.headers[k] = v;
    }
  };
}
