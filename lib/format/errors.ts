import { StrataError } from "../errors.js";

/**
 * Bytes that do not parse as what they claim to be: a bad CRC, a truncated batch, a varint that runs on,
 * a compressed stream that does not decompress. Never retriable: the same bytes fail the same way.
 * Every decoder in lib/format raises only this for bad input (never RangeError/TypeError).
 */
export class FormatError extends StrataError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super("CORRUPT_DATA", message, { retriable: false, ...options });
    this.name = "FormatError";
  }
}

/** Re-raise anything a third-party or platform decoder throws as a FormatError, keeping it as the cause. */
export function asFormatError(e: unknown, what: string): FormatError {
  if (e instanceof FormatError) return e;
  const reason = e instanceof Error ? e.message : String(e);
  return new FormatError(`${what}: ${reason}`, { cause: e });
}
