/**
 * SubscriptionService: one method per /v1/subscriptions route (declare or change, read, list, delete). A
 * subscription owns its consumer group: the group may have no live members, and no two subscriptions share one.
 * Declaring a subscription with startFrom "latest" first commits the current end of every partition of its
 * (existing, newly named) topics that has no commit yet, so delivery starts there; a partition that appears later
 * (a new topic, more partitions) starts at its beginning, since all of it was written after the declaration.
 */
import { InvalidArgumentError, isStrataError, StrataError } from "../errors.js";
import { type GroupCoordinator, MAX_COMMIT_PARTITIONS } from "../groups/coordinator.js";
import type { PartitionOffset } from "../groups/types.js";
import type { LogService } from "../log/service.js";
import type { Clock } from "../storage/clock.js";
import { ConditionFailedError, type Ledger, type WriteOp } from "../storage/ledger.js";
import { leasePk, listSubscriptions, subscriptionAttrs, subscriptionFromItem, subscriptionKey } from "./store.js";
import type { Subscription, SubscriptionSpec } from "./types.js";
import { checkSpec, checkSubscriptionName, type ValidateOptions } from "./validate.js";

export interface SubscriptionServiceDeps {
  ledger: Ledger;
  log: Pick<LogService, "describeTopic">;
  groups: Pick<GroupCoordinator, "describeGroup" | "fetchOffsets" | "commitOffsets">;
  clock: Clock;
  options: ValidateOptions;
  /** called after every change (local delivery picks it up at once) */
  onChange?: () => void;
}

/** A subscription as read back: the webhook secret is only ever answered by the request that set it. */
export type SubscriptionView = Omit<Subscription, "target"> & {
  target: Subscription["target"] extends infer T ? (T extends { secret: string } ? Omit<T, "secret"> : T) : never;
};

export interface SubscriptionStatus {
  subscription: SubscriptionView;
  /** the group's committed offsets and lag per partition, as GET /v1/groups/{group}/offsets answers them */
  offsets: PartitionOffset[];
}

export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  /** PUT /v1/subscriptions/{name}: declares or replaces it; `created` says which. Answers the secret. */
  async put(name: string, spec: SubscriptionSpec): Promise<{ subscription: Subscription; created: boolean }> {
    checkSubscriptionName(name);
    const item = await this.deps.ledger.get(subscriptionKey(name));
    const previous = item ? subscriptionFromItem(item) : undefined;
    const checked = checkSpec(name, spec, this.deps.options, previous);
    await this.checkGroupIsOwn(checked.group, name);
    const now = this.deps.clock.now();
    const s: Subscription = {
      ...checked,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      version: (previous?.version ?? 0) + 1,
    };
    // Before the declaration is visible, so no deliverer can start a partition anywhere else.
    const added = s.topics.filter((t) => !previous?.topics.includes(t) || previous.group !== s.group);
    if (s.startFrom === "latest") await this.commitLatest(s.group, added);
    const put: WriteOp = {
      type: "put",
      key: subscriptionKey(name),
      attrs: subscriptionAttrs(s),
      condition: previous ? { op: "eq", attr: "version", value: previous.version } : { op: "notExists" },
    };
    try {
      await this.deps.ledger.write(put);
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      throw new StrataError("CONCURRENT_MODIFICATION", `subscription ${name} changed meanwhile; retry`, {
        retriable: true,
      });
    }
    this.deps.onChange?.();
    return { subscription: s, created: previous === undefined };
  }

  /** GET /v1/subscriptions/{name}: the declaration (without its secret) and its group's progress. */
  async status(name: string): Promise<SubscriptionStatus> {
    const s = await this.get(name);
    const offsets = await this.deps.groups.fetchOffsets(s.group);
    return { subscription: viewOf(s), offsets: offsets.offsets.filter((o) => s.topics.includes(o.topic)) };
  }

  /** The stored subscription, secret included (delivery's own read). */
  async get(name: string): Promise<Subscription> {
    checkSubscriptionName(name);
    const item = await this.deps.ledger.get(subscriptionKey(name));
    if (!item) throw notFound(name);
    return subscriptionFromItem(item);
  }

  /** GET /v1/subscriptions */
  async list(): Promise<SubscriptionView[]> {
    return (await listSubscriptions(this.deps.ledger)).map(viewOf);
  }

  /** Every subscription, secrets included (delivery). */
  all(): Promise<Subscription[]> {
    return listSubscriptions(this.deps.ledger);
  }

  /** DELETE /v1/subscriptions/{name}: delivery stops; the group and its offsets stay (delete them with the group). */
  async delete(name: string): Promise<void> {
    checkSubscriptionName(name);
    try {
      await this.deps.ledger.write({ type: "delete", key: subscriptionKey(name), condition: { op: "exists" } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw notFound(name);
      throw e;
    }
    for (const lease of await this.deps.ledger.query(leasePk(name))) {
      await this.deps.ledger.write({ type: "delete", key: { pk: lease.pk, sk: lease.sk } });
    }
    this.deps.onChange?.();
  }

  /** The group may have no live members (their commits would interleave with delivery's) nor another subscription. */
  private async checkGroupIsOwn(group: string, name: string): Promise<void> {
    const other = (await listSubscriptions(this.deps.ledger)).find((s) => s.group === group && s.name !== name);
    if (other) {
      throw new InvalidArgumentError("group", `group ${group} already records subscription ${other.name}'s progress`);
    }
    try {
      const d = await this.deps.groups.describeGroup(group);
      if (d.members.length > 0) {
        throw new InvalidArgumentError(
          "group",
          `group ${group} has ${d.members.length} live member(s); a subscription needs a group of its own`,
        );
      }
    } catch (e) {
      if (!isStrataError(e) || e.code !== "GROUP_NOT_FOUND") throw e;
    }
  }

  /** Commits the high watermark of every partition of `topics` that has no commit in `group` yet. */
  private async commitLatest(group: string, topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    const committed = new Set(
      (await this.deps.groups.fetchOffsets(group)).offsets
        .filter((o) => o.offset !== null)
        .map((o) => `${o.topic}#${o.partition}`),
    );
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    for (const topic of topics) {
      const d = await this.deps.log.describeTopic(topic).catch((e) => {
        if (isStrataError(e) && e.code === "TOPIC_NOT_FOUND") return undefined;
        throw e;
      });
      for (const p of d?.partitions ?? []) {
        if (!committed.has(`${topic}#${p.partition}`)) {
          offsets.push({ topic, partition: p.partition, offset: p.highWatermark });
        }
      }
    }
    for (let i = 0; i < offsets.length; i += MAX_COMMIT_PARTITIONS) {
      await this.deps.groups.commitOffsets(group, { offsets: offsets.slice(i, i + MAX_COMMIT_PARTITIONS) });
    }
  }
}

export function viewOf(s: Subscription): SubscriptionView {
  if (s.target.type !== "webhook") return s as SubscriptionView;
  const { secret: _, ...target } = s.target;
  return { ...s, target } as SubscriptionView;
}

function notFound(name: string): StrataError {
  return new StrataError("SUBSCRIPTION_NOT_FOUND", `subscription ${name} does not exist`, {
    details: { subscription: name },
  });
}
