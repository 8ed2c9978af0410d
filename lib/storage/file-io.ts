/**
 * What the two file-backed object stores (pack files, one file per key) share: range checks, positional reads,
 * and how a failed file call becomes a StrataError.
 */
import type { FileHandle } from "node:fs/promises";
import { InvalidArgumentError, StrataError } from "../errors.js";
import type { ObjectRange } from "./object-store.js";

export const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export function validateRange(range: ObjectRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new InvalidArgumentError("range", `invalid range [${start}, ${end}): need 0 <= start <= end`);
  }
}

/** Reads exactly [start, end) with positional reads: only the range touches the disk. */
export async function readRange(handle: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const length = Math.max(0, end - start);
  // not from the shared pool: callers may hold on to the bytes (and their .buffer) indefinitely
  const buffer = Buffer.allocUnsafeSlow(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) {
      throw new StrataError("CORRUPT_DATA", `file shorter than expected (${filled} of ${length} bytes read)`);
    }
    filled += bytesRead;
  }
  return buffer;
}

export function objectNotFound(key: string, cause?: unknown): StrataError {
  return new StrataError("OBJECT_NOT_FOUND", `object ${JSON.stringify(key)} not found`, {
    cause,
    details: { key },
  });
}

/** Out of space: a full disk (ENOSPC), a full quota (EDQUOT), or SQLite saying the same of its file. */
export const isOutOfSpace = (e: unknown): boolean => {
  const code = errnoOf(e);
  return code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL";
};

/** What a write that ran out of space becomes: its own code (HTTP 507), not retriable inside a request. */
export function insufficientStorage(e: unknown, what: string): StrataError {
  const reason = errnoOf(e) === "EDQUOT" ? "quota exceeded" : "no space left on device";
  return new StrataError("INSUFFICIENT_STORAGE", `${what} failed: ${reason}`, {
    cause: e,
    details: { reason: errnoOf(e) },
  });
}

/** A failed file call: retriable when it clears up by itself (out of descriptors, busy), not for a full or failing disk. */
export function unavailable(e: unknown, op: string, key: string): StrataError {
  if (e instanceof StrataError) return e;
  if (isOutOfSpace(e)) return insufficientStorage(e, `object store ${op} ${JSON.stringify(key)}`);
  const code = errnoOf(e);
  const retriable = code === "EMFILE" || code === "ENFILE" || code === "EAGAIN" || code === "EBUSY";
  return new StrataError("UNAVAILABLE", `object store ${op} ${JSON.stringify(key)} failed: ${(e as Error).message}`, {
    retriable,
    cause: e,
  });
}
