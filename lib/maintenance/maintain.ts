/**
 * Maintenance, written once against the storage ports: a planner that finds the partitions with work through
 * the due index (one query, whatever the number of partitions), and workers that each maintain one partition
 * under its lease (lib/maintenance/partition.ts), collect a deleted topic (gc.ts) or sweep orphans (sweep.ts).
 *
 * @example
 * const maintenance = createMaintenance({ ledger, store, clock });
 * await maintenance.maintain(); // plan and run in process
 * // AWS: const jobs = await maintenance.plan(); await new LambdaDispatcher({...}).dispatch(jobs);
 */
import { numericConfig } from "../log/config.js";
import { headFromAttrs, type TopicRecord, topicFromItem } from "../log/entries.js";
import { headKey, pad20, topicKey } from "../log/keys.js";
import type { Topics } from "../log/topics.js";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import type { Clock } from "../storage/clock.js";
import type { WriteOp } from "../storage/ledger.js";
import { mapLimit } from "../util/map-limit.js";
import { type Context, type MaintenanceDeps, makeContext } from "./context.js";
import { type DeleteRecordsResult, deleteRecords } from "./delete-records.js";
import { type Dispatcher, InProcessDispatcher, type MaintenanceJob } from "./dispatcher.js";
import { collectTopic } from "./gc.js";
import { gcMarkFromItem } from "./items.js";
import { DUE_PK, gcPk, parseDueSk, scanCursorKey } from "./keys.js";
import { maintainPartition } from "./partition.js";
import { type JobReport, reportJob } from "./report.js";
import { sweep } from "./sweep.js";

export type { JobReport } from "./report.js";

export interface MaintainOptions {
  /** the time this run acts at; a number fixes it for the run (tests), default: the clock given at creation */
  now?: number | Clock;
  /** where jobs go (default: run here, 4 at a time) */
  dispatcher?: Dispatcher;
}

export class Maintenance {
  private readonly ctx: Context;
  private readonly metrics: Metrics;

  constructor(deps: MaintenanceDeps) {
    this.ctx = makeContext(deps);
    this.metrics = deps.metrics ?? noMetrics;
  }

  private at(now: MaintainOptions["now"]): Context {
    if (now === undefined) return this.ctx;
    const clock: Clock = typeof now === "number" ? { now: () => now } : now;
    return { ...this.ctx, clock };
  }

  /** Finds the work: deleted topics to collect, partitions due, the sweep. Cheap when there is nothing to do. */
  async plan(options: { now?: MaintainOptions["now"] } = {}): Promise<MaintenanceJob[]> {
    const ctx = this.at(options.now);
    const now = ctx.clock.now();
    this.metrics.count("MaintenanceRuns", 1);
    const jobs: MaintenanceJob[] = [];
    const [topicItems, gcItems, dueItems] = await Promise.all([
      ctx.ledger.query("topics"),
      ctx.ledger.query(gcPk, { beginsWith: "topic#" }),
      ctx.ledger.query(DUE_PK, { lte: `${pad20(now)}~`, limit: 5000 }),
    ]);
    for (const g of gcItems) {
      jobs.push({ kind: "gc", ...gcMarkFromItem(g) });
    }
    const topics = topicItems.map(topicFromItem).filter((t) => t.state === "active");
    const byId = new Map(topics.map((t) => [t.id, t]));
    const partitionJobs = new Map<string, Extract<MaintenanceJob, { kind: "partition" }>>();
    const gone: WriteOp[] = [];
    for (const item of dueItems) {
      const due = parseDueSk(item.sk);
      const topic = due && byId.get(due.topicId);
      if (!due || !topic || due.partition >= topic.partitions) {
        gone.push({ type: "delete", key: { pk: DUE_PK, sk: item.sk } });
        continue;
      }
      const k = `${due.topicId}#${due.partition}`;
      const job = partitionJobs.get(k) ?? {
        kind: "partition",
        topic: topic.name,
        topicId: topic.id,
        partition: due.partition,
        due: [],
      };
      job.due!.push(item.sk);
      partitionJobs.set(k, job);
    }
    // Due items of topics that are gone: nothing will run for them.
    for (let i = 0; i < gone.length; i += 25) await ctx.ledger.transact(gone.slice(i, i + 25));
    for (const job of await this.scan(ctx, topics)) {
      const k = `${job.topicId}#${job.partition}`;
      if (!partitionJobs.has(k)) partitionJobs.set(k, job);
    }
    jobs.push(...partitionJobs.values(), { kind: "sweep" });
    return jobs;
  }

  /**
   * Discovery of work nobody announced (produce does not write the due index yet): a round robin over partition
   * heads, at most scanBudget per run. A head is due when produce added entries since maintenance last looked
   * (batches vs mBatches), or when it holds more than retention.bytes.
   */
  private async scan(ctx: Context, topics: TopicRecord[]): Promise<Extract<MaintenanceJob, { kind: "partition" }>[]> {
    const budget = ctx.opts.scanBudget;
    const all = topics
      .slice()
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((t) => Array.from({ length: t.partitions }, (_, p) => ({ topic: t, partition: p })));
    if (budget <= 0 || all.length === 0) return [];
    const cursor = await ctx.ledger.get(scanCursorKey);
    const after = typeof cursor?.attrs.after === "string" ? cursor.attrs.after : "";
    let start = all.findIndex(({ topic, partition }) => `${topic.name}#${pad20(partition)}` > after);
    if (start < 0) start = 0;
    const picked = Array.from({ length: Math.min(budget, all.length) }, (_, i) => all[(start + i) % all.length]!);
    const heads = await mapLimit(picked, 16, ({ topic, partition }) => ctx.ledger.get(headKey(topic.id, partition)));
    const last = picked.at(-1)!;
    await ctx.ledger.write({
      type: "put",
      key: scanCursorKey,
      attrs: { after: `${last.topic.name}#${pad20(last.partition)}` },
    });
    const jobs: Extract<MaintenanceJob, { kind: "partition" }>[] = [];
    picked.forEach(({ topic, partition }, i) => {
      const item = heads[i];
      if (!item || item.attrs.topicId !== topic.id) return;
      const head = headFromAttrs(item.attrs, item);
      const batches = Number(item.attrs.batches ?? 0);
      const seen = item.attrs.mBatches === undefined ? -1 : Number(item.attrs.mBatches);
      const retentionBytes = numericConfig(topic.config, "retention.bytes");
      const grew = seen < 0 ? batches > 0 : batches - seen >= ctx.opts.mergeMinEntries;
      const oversize = retentionBytes >= 0 && Number.isFinite(retentionBytes) && head.bytes > retentionBytes;
      if (grew || oversize) jobs.push({ kind: "partition", topic: topic.name, topicId: topic.id, partition });
    });
    return jobs;
  }

  /** Runs one job here. Every job is idempotent and safe to run concurrently with any other. */
  async run(job: MaintenanceJob, options: { now?: MaintainOptions["now"] } = {}): Promise<JobReport> {
    try {
      const report = await this.runJob(job, options);
      reportJob(report, this.metrics);
      return report;
    } catch (e) {
      this.metrics.count("MaintenanceFailures", 1, { Kind: job.kind });
      throw e;
    }
  }

  private async runJob(job: MaintenanceJob, options: { now?: MaintainOptions["now"] }): Promise<JobReport> {
    const ctx = this.at(options.now);
    switch (job.kind) {
      case "partition": {
        const item = await ctx.ledger.get(topicKey(job.topic));
        const topic = item ? topicFromItem(item) : undefined;
        if (!topic || topic.id !== job.topicId || topic.state !== "active") {
          for (const sk of job.due ?? []) await ctx.ledger.write({ type: "delete", key: { pk: DUE_PK, sk } });
          return { kind: "partition", topicId: job.topicId, partition: job.partition, skipped: "topic-gone" };
        }
        return { kind: "partition", ...(await maintainPartition(ctx, topic, job.partition, job.due ?? [])) };
      }
      case "gc":
        return { kind: "gc", topicId: job.topicId, complete: await collectTopic(ctx, job) };
      case "sweep":
        return { kind: "sweep", ...(await sweep(ctx)) };
    }
  }

  /** Plans and hands the jobs to the dispatcher (default: runs them here). */
  async maintain(options: MaintainOptions = {}): Promise<{ jobs: MaintenanceJob[]; reports: JobReport[] }> {
    const jobs = await this.plan({ now: options.now });
    const reports: JobReport[] = [];
    const dispatcher =
      options.dispatcher ??
      new InProcessDispatcher(async (job) => {
        reports.push(await this.run(job, { now: options.now }));
      });
    // Partitions first, then the sweep: objects a run put in the trash are not yet past their grace period anyway.
    await dispatcher.dispatch(jobs);
    return { jobs, reports };
  }

  /** Kafka's deleteRecords: see delete-records.ts. */
  deleteRecords(topics: Topics, topic: string, partition: number, beforeOffset: number): Promise<DeleteRecordsResult> {
    return deleteRecords({ ledger: this.ctx.ledger, topics, clock: this.ctx.clock }, topic, partition, beforeOffset);
  }
}

export function createMaintenance(deps: MaintenanceDeps): Maintenance {
  return new Maintenance(deps);
}

/**
 * One maintenance pass at `now`, in process: the shape the local server's timer calls.
 *
 * @example await maintain({ ledger, store }, { now: Date.now() });
 */
export function maintain(deps: MaintenanceDeps, options: MaintainOptions = {}) {
  return createMaintenance(deps).maintain(options);
}

export type { MaintenanceDeps, MaintenanceOptions } from "./context.js";
export type { DeleteRecordsResult } from "./delete-records.js";
export type { Dispatcher, MaintenanceJob } from "./dispatcher.js";
