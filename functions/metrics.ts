/** One EMF metrics sink per container, flushed at the end of every invocation. */
import { EmfMetrics } from "../lib/metrics/metrics.js";

export const metrics = new EmfMetrics(process.env.STRATA_METRICS_NAMESPACE || "Strata");

/** Runs one invocation and writes its metrics, whatever its outcome. */
export async function withMetrics<T>(invocation: () => Promise<T>): Promise<T> {
  try {
    return await invocation();
  } finally {
    metrics.flush();
  }
}
