/**
 * Retries with exponential backoff and full jitter, on `retriable` errors only (kafkajs's rule): a bad request
 * repeated is still a bad request. A server's Retry-After wins over the computed delay.
 */
import { StrataClientError } from "./errors.js";

export interface RetryOptions {
  /** attempts after the first; default 5 */
  retries?: number;
  /** first delay; default 100 ms */
  initialBackoffMs?: number;
  /** default 2000 ms */
  maxBackoffMs?: number;
  /** give up (with the last error) once this much time has passed; default none */
  deadlineMs?: number;
  /** stop retrying when this says so (the owner is closing) */
  shouldStop?: () => boolean;
  /** called before each wait; for logging and tests */
  onRetry?: (error: StrataClientError, attempt: number, delayMs: number) => void;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffMs(attempt: number, options: RetryOptions): number {
  const initial = options.initialBackoffMs ?? 100;
  const max = options.maxBackoffMs ?? 2000;
  const ceiling = Math.min(max, initial * 2 ** attempt);
  // Full jitter, but never below half the ceiling, so a burst of failures does not retry in lockstep nor at once.
  return Math.round(ceiling / 2 + ((options.random ?? Math.random)() * ceiling) / 2);
}

/** Runs `f` until it succeeds, throws a non-retriable error, or retries/deadline run out. */
export async function withRetries<T>(f: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await f(attempt);
    } catch (e) {
      if (!(e instanceof StrataClientError) || !e.retriable || attempt >= retries) throw e;
      if (options.shouldStop?.()) throw e;
      const delay = e.retryAfterMs ?? backoffMs(attempt, options);
      if (options.deadlineMs !== undefined && Date.now() - started + delay > options.deadlineMs) throw e;
      options.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}
