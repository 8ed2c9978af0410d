/**
 * The webhook signature (docs/SUBSCRIPTIONS.md): header `strata-signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(secret, "<t>.<body>"). The timestamp is signed with the body, so a receiver that rejects
 * stale timestamps (5 minutes is the usual tolerance) rejects replays. client/src/subscriptions.ts has the same
 * check for receivers.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "strata-signature";

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

/** True when `header` signs `body` with `secret` and its timestamp is within `toleranceS` of `nowS`. */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  const parts = new Map((header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  if (!Number.isSafeInteger(t) || Math.abs(nowS - t) > toleranceS || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, "hex"));
}
