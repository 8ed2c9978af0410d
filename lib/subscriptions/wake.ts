/**
 * Delivery on demand, for a function that runs only when woken (functions/subscriptions.ts): by DynamoDB Streams
 * when partition heads change (`heads`: only the subscriptions reading those partitions run), or by a schedule
 * (`sweep`: every partition of every subscription that is behind, the safety net for a lost wake-up). Each
 * partition runs until caught up or the deadline; a partition whose lease another deliverer holds is left to it
 * (that deliverer looks at the head again after releasing it, deliver.ts).
 */
import type { GroupCoordinator } from "../groups/coordinator.js";
import type { LogService } from "../log/service.js";
import { mapLimit } from "../util/map-limit.js";
import { type DeliveryDeps, deliverPartition, type PartitionRun } from "./deliver.js";
import type { Subscription } from "./types.js";

export interface WakeDeps extends DeliveryDeps {
  subscriptions: { all(): Promise<Subscription[]> };
  log: DeliveryDeps["log"] & Pick<LogService, "describeTopic">;
  groups: DeliveryDeps["groups"] & Pick<GroupCoordinator, "fetchOffsets">;
}

export interface WakeOptions {
  /** no batch starts after this time (the invocation's deadline minus a margin) */
  deadline?: number;
  /** partitions delivered at once; default 16 */
  concurrency?: number;
}

export interface WakeReport {
  partitions: number;
  delivered: number;
  deadLettered: number;
  /** partitions another deliverer was on */
  busy: number;
  /** partitions left behind at the deadline (the next wake-up or sweep goes on) */
  unfinished: number;
}

interface Job {
  s: Subscription;
  topic: string;
  partition: number;
}

export class Wake {
  constructor(private readonly deps: WakeDeps) {}

  /** The partition heads that changed: `topicId` and `partition` as the ledger key of each head names them. */
  async heads(changed: { topicId: string; partition: number }[], options: WakeOptions = {}): Promise<WakeReport> {
    if (changed.length === 0) return emptyReport();
    const subs = await this.deps.subscriptions.all();
    const ids = new Map<string, string>();
    for (const topic of new Set(subs.flatMap((s) => s.topics))) {
      const meta = await this.deps.log.topicMetadata(topic).catch(() => undefined);
      if (meta) ids.set(topic, meta.id);
    }
    const seen = new Set<string>();
    const jobs: Job[] = [];
    for (const { topicId, partition } of changed) {
      for (const s of subs) {
        for (const topic of s.topics) {
          const key = `${s.name}#${topic}#${partition}`;
          if (ids.get(topic) !== topicId || seen.has(key)) continue;
          seen.add(key);
          jobs.push({ s, topic, partition });
        }
      }
    }
    return this.run(jobs, options);
  }

  /** Every partition of every subscription whose committed offset is behind its high watermark. */
  async sweep(options: WakeOptions = {}): Promise<WakeReport> {
    const jobs: Job[] = [];
    for (const s of await this.deps.subscriptions.all()) {
      const committed = new Map(
        (await this.deps.groups.fetchOffsets(s.group)).offsets.map((o) => [`${o.topic}#${o.partition}`, o.offset]),
      );
      for (const topic of s.topics) {
        const d = await this.deps.log.describeTopic(topic).catch(() => undefined);
        for (const p of d?.partitions ?? []) {
          const offset = committed.get(`${topic}#${p.partition}`) ?? p.logStartOffset;
          if (offset !== null && offset < p.highWatermark) jobs.push({ s, topic, partition: p.partition });
        }
      }
    }
    return this.run(jobs, options);
  }

  private async run(jobs: Job[], options: WakeOptions): Promise<WakeReport> {
    const report = emptyReport();
    report.partitions = jobs.length;
    const runs = await mapLimit(jobs, options.concurrency ?? 16, async (j): Promise<PartitionRun | undefined> => {
      try {
        return await deliverPartition(this.deps, j.s, j.topic, j.partition, {
          ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        });
      } catch (e) {
        const code = (e as { code?: string })?.code ?? "INTERNAL";
        this.deps.logger.error(
          { subscription: j.s.name, topic: j.topic, partition: j.partition, code, err: e },
          "delivery failed; the next wake-up or sweep retries",
        );
        return undefined;
      }
    });
    for (const r of runs) {
      if (!r) {
        report.unfinished++;
        continue;
      }
      report.delivered += r.delivered;
      report.deadLettered += r.deadLettered;
      if (r.outcome === "busy") report.busy++;
      if (r.outcome === "deadline" || r.outcome === "stopped") report.unfinished++;
    }
    return report;
  }
}

const emptyReport = (): WakeReport => ({ partitions: 0, delivered: 0, deadLettered: 0, busy: 0, unfinished: 0 });
