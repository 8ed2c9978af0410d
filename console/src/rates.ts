/**
 * Rates computed in the browser from numbers sampled over time: produce rate from the sum of a topic's high
 * watermarks, consume rate from a group's committed offsets, and the lag history the group page charts. A
 * sample that goes backwards (a topic deleted and re-created, offsets reset) starts the series again. The history
 * lives as long as the page (navigating inside the console keeps it).
 */

export interface Sample {
  at: number;
  value: number;
}

const WINDOW_MS = 60_000;
const MAX_SAMPLES = 240;

export class Series {
  private readonly samples = new Map<string, Sample[]>();

  /** Adds a sample; `resetOnDrop` starts the series again when a counter goes backwards. */
  add(key: string, value: number, at = Date.now(), resetOnDrop = true): void {
    const list = this.samples.get(key) ?? [];
    this.samples.set(key, list);
    const last = list[list.length - 1];
    if (last && resetOnDrop && value < last.value) list.length = 0;
    if (last && at <= last.at) list.pop(); // same instant: the newer value wins
    list.push({ at, value });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
  }

  history(key: string): readonly Sample[] {
    return this.samples.get(key) ?? [];
  }

  /** Per second over about the last minute of samples; undefined until two samples span some time. */
  rate(key: string): number | undefined {
    const list = this.samples.get(key) ?? [];
    const last = list[list.length - 1];
    if (!last) return undefined;
    // from the newest sample at least a minute old (else the oldest): sparse samples still give a rate
    const first = list.findLast((s) => s.at <= last.at - WINDOW_MS) ?? list[0]!;
    if (last.at - first.at < 500) return undefined;
    return ((last.value - first.value) * 1000) / (last.at - first.at);
  }
}

/** High watermarks summed per topic (produce), committed offsets summed per topic (consume), lag per group. */
export const produced = new Series();
export const consumed = new Series();
export const lagHistory = new Series();

export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return "measuring…";
  if (rate === 0) return "0/s";
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString("en")}/s`;
}
