/**
 * The port delivery calls a subscription's target through, and what a call can come to. Adapters:
 * webhook-target.ts (HTTP POST, any backend) and aws-lambda-target.ts (Lambda Invoke); targets.ts picks one.
 */
import type { DeliveryEvent, Subscription } from "./types.js";

export type TargetOutcome =
  /** every record is done */
  | { ok: true }
  /**
   * The call failed (error, timeout, non-2xx, function error): every record from `failedFrom` on is to be retried
   * (the whole batch when the answer named nothing; the lowest offset a partial-batch answer named otherwise).
   */
  | { ok: false; error: string; failedFrom?: number };

export interface DeliveryTarget {
  deliver(event: DeliveryEvent, signal?: AbortSignal): Promise<TargetOutcome>;
}

/** Builds the target of a subscription (adapters are chosen by target type). */
export type TargetFactory = (subscription: Subscription) => DeliveryTarget;
