/**
 * The target factory of a deployment: webhooks everywhere; Lambda functions through the invoker the edge supplies
 * (functions/ builds aws-lambda-target.ts's; the local server has none unless given one), so the AWS SDK stays in
 * its adapter.
 */

import type { DeliveryTarget, TargetFactory } from "./target.js";
import type { LambdaTarget } from "./types.js";
import { webhookTarget } from "./webhook-target.js";

export interface TargetOptions {
  /** webhooks may reach loopback and private addresses (development) */
  allowPrivateTargets: boolean;
  /** builds a Lambda target; absent: Lambda targets fail every call, saying why */
  lambda?: (target: LambdaTarget) => DeliveryTarget;
}

export function targetFactory(options: TargetOptions): TargetFactory {
  return (s) => {
    if (s.target.type === "webhook") return webhookTarget(s.target, options);
    if (options.lambda) return options.lambda(s.target);
    return {
      deliver: async () => ({ ok: false, error: "this deployment has no Lambda invoker (Lambda targets run on AWS)" }),
    };
  };
}
