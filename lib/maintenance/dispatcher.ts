/**
 * The dispatcher port: how the planner's jobs reach workers. In process (the local server, tests) or, in AWS, one
 * asynchronous invocation of a worker function per job (lib/maintenance/aws-dispatcher.ts), so a topic with
 * hundreds of partitions is maintained in parallel within one Lambda timeout.
 */
import { mapLimit } from "../util/map-limit.js";

/** One unit of maintenance work; plain JSON so it travels as a Lambda event. */
export type MaintenanceJob =
  | {
      kind: "partition";
      topic: string;
      topicId: string;
      partition: number;
      /** the due items (sort keys) that caused this job, removed when it has run */
      due?: string[];
    }
  | { kind: "gc"; topicId: string; partitions: number }
  | { kind: "sweep" };

export interface Dispatcher {
  /** Hands the jobs over. Resolves when they are accepted (in process: when they have run). */
  dispatch(jobs: MaintenanceJob[]): Promise<void>;
}

/**
 * Runs the jobs here, a few at a time. A failed job is reported through `onError` and does not stop the others:
 * every job is safe to run again at the next tick.
 *
 * @example
 * const dispatcher = new InProcessDispatcher((job) => maintenance.run(job), { concurrency: 4 });
 */
export class InProcessDispatcher implements Dispatcher {
  constructor(
    private readonly run: (job: MaintenanceJob) => Promise<unknown>,
    private readonly options: { concurrency?: number; onError?: (job: MaintenanceJob, error: unknown) => void } = {},
  ) {}

  async dispatch(jobs: MaintenanceJob[]): Promise<void> {
    await mapLimit(jobs, this.options.concurrency ?? 4, async (job) => {
      try {
        await this.run(job);
      } catch (e) {
        if (this.options.onError) this.options.onError(job, e);
        else throw e;
      }
    });
  }
}
