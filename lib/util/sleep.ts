/**
 * sleepUnless(ms, signal): resolves after `ms`, or at once when `signal` aborts (already aborted: at once); never
 * rejects, and leaves no timer or listener behind.
 */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
