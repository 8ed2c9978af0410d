/**
 * Readiness: can this process serve? One ledger read (a point get of a key that need not exist) and one object
 * store listing of at most one key under incoming/ (a prefix every role that serves may list). Each must answer
 * within `timeoutMs`; the first that does not names the cause. GET /readyz answers 503 with it.
 */
import type { Ledger } from "./ledger.js";
import type { ObjectStore } from "./object-store.js";

export class NotReadyError extends Error {
  constructor(
    /** "ledger" or "object store" */
    readonly part: string,
    cause: unknown,
  ) {
    super(`${part} unreachable: ${describe(cause)}`, { cause });
  }
}

export async function checkReady(
  storage: { ledger: Pick<Ledger, "get">; store: Pick<ObjectStore, "list"> },
  timeoutMs = 3000,
): Promise<void> {
  await Promise.all([
    within("ledger", storage.ledger.get({ pk: "readyz", sk: "readyz" }), timeoutMs),
    within("object store", storage.store.list("incoming/", { limit: 1 }), timeoutMs),
  ]);
}

async function within(part: string, work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } catch (e) {
    throw new NotReadyError(part, e);
  } finally {
    clearTimeout(timer);
    work.catch(() => {}); // a late failure after the timeout is already reported
  }
}

/** The error's message and, when it wraps others, what the innermost says (ECONNREFUSED, AccessDenied...). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  let root: unknown = e;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  if (root === e) return e.message;
  const r = root as Error & { code?: string };
  return `${e.message} (${r.code && !r.message.includes(r.code) ? `${r.code}: ${r.message}` : r.message})`;
}
