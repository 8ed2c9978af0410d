/**
 * Reads the few things the console shows from GET /metrics (Prometheus text format) when the server serves it:
 * stored bytes per topic and partition, and the maintenance series. Metric names are matched loosely (by what
 * they contain), since the console only displays them; without /metrics these figures are shown as unknown.
 */

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

const isStoredBytes = (name: string) => /stored.*bytes|bytes.*stored|log_size|size_bytes/i.test(name);

/** Stored bytes of a topic (or one partition of it), when a metric says so. */
export function storedBytes(samples: MetricSample[], topic: string, partition?: number): number | undefined {
  const matching = samples.filter(
    (s) =>
      isStoredBytes(s.name) &&
      s.labels.topic === topic &&
      (partition === undefined || s.labels.partition === undefined || s.labels.partition === String(partition)),
  );
  if (matching.length === 0) return undefined;
  const perPartition = matching.filter((s) => s.labels.partition !== undefined);
  if (partition !== undefined && perPartition.length === 0) return undefined;
  return (perPartition.length > 0 ? perPartition : matching).reduce((n, s) => n + s.value, 0);
}

/** Every maintenance series (runs, jobs, failures, last run time...), for the overview. */
export function maintenanceSamples(samples: MetricSample[]): MetricSample[] {
  return samples.filter((s) => /maintenance/i.test(s.name) && !/_bucket$/.test(s.name));
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return "unknown";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
