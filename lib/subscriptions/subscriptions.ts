/**
 * The subscription feature as the composition root (lib/strata.ts) assembles it: the service behind
 * /v1/subscriptions, and delivery in its two forms: in process (local.ts, the local server) and on demand
 * (wake.ts: a Lambda woken by DynamoDB Streams or a schedule).
 */
import type { GroupCoordinator } from "../groups/coordinator.js";
import type { Log } from "../log/log.js";
import type { Clock } from "../storage/clock.js";
import type { Ledger } from "../storage/ledger.js";
import type { Logger } from "../util/logger.js";
import { DEFAULT_DELIVERY_SETTINGS, type DeliveryDeps, type DeliverySettings } from "./deliver.js";
import { LocalDelivery } from "./local.js";
import { SubscriptionService } from "./service.js";
import type { DeliveryTarget } from "./target.js";
import { targetFactory } from "./targets.js";
import type { LambdaTarget } from "./types.js";
import { Wake } from "./wake.js";

export interface SubscriptionsConfig {
  /** webhooks may target loopback and private addresses, over http:// too (development; default false) */
  allowPrivateTargets?: boolean;
  /** builds Lambda targets (functions/ pass aws-lambda-target.ts's); without it Lambda targets fail */
  lambda?: (target: LambdaTarget) => DeliveryTarget;
  /** retry backoff and lease length */
  delivery?: Partial<DeliverySettings>;
  /** local delivery's sweep (re-reading subscriptions and topics); default 60 s */
  sweepMs?: number;
}

export interface Subscriptions {
  service: SubscriptionService;
  /** what a deliverer needs (tests and benchmarks drive deliverPartition with it) */
  deliveryDeps: DeliveryDeps;
  /** in-process delivery, for a long-running server: start() it, stop() it before closing the log */
  local(options?: { exclusive?: boolean }): LocalDelivery;
  /** on-demand delivery: what a woken function runs */
  wake: Wake;
}

export function createSubscriptions(deps: {
  ledger: Ledger;
  log: Log;
  groups: GroupCoordinator;
  clock: Clock;
  logger: Logger;
  config?: SubscriptionsConfig;
}): Subscriptions {
  const config = deps.config ?? {};
  const allowPrivateTargets = config.allowPrivateTargets ?? false;
  let local: LocalDelivery | undefined;
  const service = new SubscriptionService({
    ledger: deps.ledger,
    log: deps.log,
    groups: deps.groups,
    clock: deps.clock,
    options: { allowPrivateTargets },
    onChange: () => void local?.refresh(),
  });
  const deliveryDeps: DeliveryDeps = {
    ledger: deps.ledger,
    log: deps.log,
    groups: deps.groups,
    clock: deps.clock,
    logger: deps.logger.child({ component: "subscriptions" }),
    targets: targetFactory({ allowPrivateTargets, ...(config.lambda ? { lambda: config.lambda } : {}) }),
    settings: { ...DEFAULT_DELIVERY_SETTINGS, ...config.delivery },
  };
  return {
    service,
    deliveryDeps,
    local(options = {}) {
      local = new LocalDelivery({
        ...deliveryDeps,
        subscriptions: service,
        waiter: deps.log.waiter,
        ...(config.sweepMs === undefined ? {} : { sweepMs: config.sweepMs }),
        ...(options.exclusive === undefined ? {} : { exclusive: options.exclusive }),
      });
      return local;
    },
    wake: new Wake({ ...deliveryDeps, subscriptions: service, log: deps.log, groups: deps.groups }),
  };
}
