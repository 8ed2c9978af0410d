/**
 * Kafka's zigzag varints (protobuf style, little-endian base-128 groups, zigzag for the sign).
 * varint: a signed 32-bit value in at most 5 bytes. varlong: a signed 64-bit value in at most 10 bytes,
 * limited here to JS safe integers (|v| < 2^53); anything longer or larger is a FormatError, so a
 * corrupt stream can never make a reader run on or return an imprecise number.
 */
import { FormatError } from "./errors.js";

/** A read position over a byte range; readers advance `pos` and never look at or past `end`. */
export class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    /** mutable so one cursor can be narrowed to a record and widened back without allocating */
    public end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }
}

const TWO_27 = 2 ** 27;
const TWO_26 = 2 ** 26;

/** Reads a zigzag varint (int32). */
export function readVarint(c: Cursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let raw = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= c.end) throw new FormatError("truncated varint");
    const byte = b[pos++]!;
    if (shift === 28 && byte > 0x0f) throw new FormatError("varint longer than 32 bits");
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      c.pos = pos;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  throw new FormatError("varint longer than 5 bytes");
}

/** Reads a zigzag varlong (int64) that must fit a JS safe integer. */
export function readVarlong(c: Cursor): number {
  const b = c.bytes;
  let pos = c.pos;
  // The low 28 bits fit an int; the rest is accumulated as a float and bounded before use.
  let lo = 0;
  let hi = 0;
  let hiScale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= c.end) throw new FormatError("truncated varlong");
    const byte = b[pos++]!;
    if (i < 4) lo |= (byte & 0x7f) << (7 * i);
    else {
      hi += (byte & 0x7f) * hiScale;
      hiScale *= 128;
    }
    if (byte < 0x80) {
      c.pos = pos;
      // raw = hi * 2^28 + lo; zigzag: magnitude = raw >>> 1, sign = raw & 1
      if (hi >= TWO_26 * 2) throw new FormatError("varlong outside the safe integer range");
      const magnitude = hi * TWO_27 + (lo >>> 1);
      const value = lo & 1 ? -magnitude - 1 : magnitude;
      if (!Number.isSafeInteger(value)) throw new FormatError("varlong outside the safe integer range");
      return value;
    }
  }
  throw new FormatError("varlong longer than 10 bytes");
}

/** Encoded size of a zigzag varint (int32). */
export function sizeOfVarint(value: number): number {
  let zz = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (zz >= 0x80) {
    zz >>>= 7;
    n++;
  }
  return n;
}

/** Writes a zigzag varint (int32) at `pos`; returns the position after it. The caller sized the buffer. */
export function writeVarint(bytes: Uint8Array, pos: number, value: number): number {
  let zz = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zz >= 0x80) {
    bytes[pos++] = (zz & 0x7f) | 0x80;
    zz >>>= 7;
  }
  bytes[pos++] = zz;
  return pos;
}

const SMALL = 2 ** 30;

function assertSafe(value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong value ${value} is not a safe integer`);
}

/** Zigzag of a safe integer as a BigInt (only for values beyond +-2^30, which are rare in deltas). */
function zigzagBig(value: number): bigint {
  const v = BigInt(value);
  return v >= 0n ? v << 1n : (-v << 1n) - 1n;
}

/** Encoded size of a zigzag varlong. */
export function sizeOfVarlong(value: number): number {
  if (value > -SMALL && value < SMALL) return sizeOfVarint(value);
  assertSafe(value);
  let zz = zigzagBig(value);
  let n = 1;
  while (zz >= 0x80n) {
    zz >>= 7n;
    n++;
  }
  return n;
}

/** Writes a zigzag varlong at `pos`; returns the position after it. */
export function writeVarlong(bytes: Uint8Array, pos: number, value: number): number {
  if (value > -SMALL && value < SMALL) return writeVarint(bytes, pos, value);
  assertSafe(value);
  let zz = zigzagBig(value);
  while (zz >= 0x80n) {
    bytes[pos++] = Number(zz & 0x7fn) | 0x80;
    zz >>= 7n;
  }
  bytes[pos++] = Number(zz);
  return pos;
}
