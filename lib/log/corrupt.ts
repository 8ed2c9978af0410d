/**
 * Stored data that fails its checks on read (a batch CRC mismatch, a batch that does not parse, a missing or
 * short pack file) is one error: CORRUPT_DATA, never retriable (the same bytes fail the same way on every read),
 * saying where: `topic`, `partition`, `offset` (the first offset of the damaged batch, or of the damaged read when
 * no batch boundary is known) and `nextOffset` (the first offset after it: where a reader that accepts losing
 * those records can seek to get past it). The cause's message stays in `cause`, for the server's log.
 */
import { StrataError } from "../errors.js";

export interface DamagedRange {
  topic: string;
  partition: number;
  offset: number;
  nextOffset: number;
}

const isCorrupt = (e: unknown): e is StrataError => e instanceof StrataError && e.code === "CORRUPT_DATA";

/** `e` as a placed CORRUPT_DATA error if it is an unplaced one raised while reading `range`; anything else as is. */
export function placeCorruption(e: unknown, range: DamagedRange): unknown {
  if (!isCorrupt(e) || typeof e.details.topic === "string") return e;
  return new StrataError(
    "CORRUPT_DATA",
    `partition ${range.partition} of topic ${range.topic}: the stored batch at offset ${range.offset} is corrupt`,
    { retriable: false, cause: e, details: { ...range } },
  );
}

/** Runs `f`, placing any corruption it raises at `range`. */
export function readingAt<T>(range: () => DamagedRange, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw placeCorruption(e, range());
  }
}
