/**
 * Subscriptions (docs/SUBSCRIPTIONS.md): declare, read and delete push delivery to webhooks and Lambda functions,
 * and verify, in a webhook receiver, that a request comes from Strata (verifyWebhookSignature).
 *
 * @example
 * const subs = new Subscriptions(strata.http);
 * const { target } = await subs.put("billing", {
 *   topics: ["orders"], group: "billing", target: { type: "webhook", url: "https://example.com/hook" },
 * });
 * // keep target.secret: only this answer carries it
 */
import type { PartitionOffset } from "./admin.js";
import { type HttpClient, seg } from "./http.js";
import { withRetries } from "./retry.js";

export type SubscriptionTarget =
  | { type: "webhook"; url: string; secret?: string; timeoutMs?: number }
  | { type: "lambda"; functionArn: string };

export interface SubscriptionSpec {
  topics: string[];
  group: string;
  target: SubscriptionTarget;
  batchSize?: number;
  batchWindowMs?: number;
  maxRetries?: number;
  maxRecordAgeMs?: number;
  bisectOnError?: boolean;
  deadLetterTopic?: string;
  startFrom?: "earliest" | "latest";
}

export interface Subscription extends Required<Omit<SubscriptionSpec, "deadLetterTopic">> {
  name: string;
  deadLetterTopic: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface SubscriptionStatus {
  subscription: Subscription;
  /** the group's committed offset and lag per partition */
  offsets: PartitionOffset[];
}

/** The header a webhook request is signed in. */
export const SIGNATURE_HEADER = "strata-signature";

export class Subscriptions {
  constructor(private readonly http: HttpClient) {}

  /** Declares or replaces a subscription; the answer is the only one that carries a webhook's secret. */
  put(name: string, spec: SubscriptionSpec): Promise<Subscription> {
    return this.http.json("PUT", `/v1/subscriptions/${seg(name)}`, { json: spec });
  }

  async list(): Promise<Subscription[]> {
    const r = await withRetries(() => this.http.json<{ subscriptions: Subscription[] }>("GET", "/v1/subscriptions"), {
      retries: 3,
    });
    return r.subscriptions;
  }

  describe(name: string): Promise<SubscriptionStatus> {
    return withRetries(() => this.http.json<SubscriptionStatus>("GET", `/v1/subscriptions/${seg(name)}`), {
      retries: 3,
    });
  }

  async delete(name: string): Promise<void> {
    await this.http.json("DELETE", `/v1/subscriptions/${seg(name)}`);
  }
}

/**
 * True when `header` (the strata-signature header) signs `rawBody` (the body exactly as received) with `secret`,
 * and its timestamp is within `toleranceS` (default 300) seconds of now: an old request replayed is refused.
 * Web Crypto (HMAC-SHA256) and a comparison whose time does not depend on where the bytes differ, so it runs in
 * Node, browsers and edge runtimes alike.
 */
export async function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string,
  options: { toleranceS?: number; nowMs?: number } = {},
): Promise<boolean> {
  const parts = new Map((header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (!Number.isSafeInteger(t) || Math.abs(now - t) > (options.toleranceS ?? 300) || !/^[0-9a-f]{64}$/.test(v1)) {
    return false;
  }
  const utf8 = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(`${t}.${rawBody}`)));
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ Number.parseInt(v1.slice(2 * i, 2 * i + 2), 16);
  return diff === 0;
}
