/**
 * Snappy as Kafka clients send it.
 *
 * Raw snappy: uncompressed length (unsigned varint, <= 32 bits) | elements. Element tag low 2 bits:
 *   00 literal (length-1 in the upper 6 bits, or 60..63 => 1..4 LE length bytes follow), 01 copy with 1-byte offset
 *   (length 4..11, offset 11 bits), 10 copy with 2-byte LE offset, 11 copy with 4-byte LE offset (length 1..64).
 * Xerial framing (snappy-java's SnappyOutputStream, what Kafka's Java client writes):
 *   magic 82 'SNAPPY' 00 | version int32 BE | compatible version int32 BE | { chunk length int32 BE | raw snappy }*
 *
 * We write xerial framing with 32 KiB chunks like the Java client, and read both framings. Compression of each chunk
 * is snappyjs; decompression is our own because snappyjs trusts lengths (a crafted stream makes it loop or return
 * short data). Every length and offset is checked here.
 */
import SnappyJS from "snappyjs";
import { asFormatError, FormatError } from "./errors.js";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER = 16;
const XERIAL_CHUNK = 32 * 1024;

function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Compresses to xerial-framed snappy (what Kafka's Java producer writes). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = XERIAL_HEADER;
  for (let s = 0; s < data.length; s += XERIAL_CHUNK) {
    const chunk = SnappyJS.compress(data.subarray(s, Math.min(s + XERIAL_CHUNK, data.length)));
    chunks.push(chunk);
    total += 4 + chunk.length;
  }
  const out = new Uint8Array(total);
  out.set(XERIAL_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setInt32(8, 1);
  view.setInt32(12, 1);
  let d = XERIAL_HEADER;
  for (const chunk of chunks) {
    view.setInt32(d, chunk.length);
    out.set(chunk, d + 4);
    d += 4 + chunk.length;
  }
  return out;
}

/** Decompresses raw or xerial-framed snappy; more than `maxOutput` bytes of output is a FormatError. */
export function snappyDecompress(src: Uint8Array, maxOutput: number): Uint8Array {
  if (!isXerial(src)) return decompressRaw(src, 0, src.length, maxOutput);
  const parts: Uint8Array[] = [];
  let total = 0;
  let s = XERIAL_HEADER;
  while (s < src.length) {
    if (src.length - s < 4) throw new FormatError("snappy: truncated xerial chunk header");
    const size = ((src[s]! << 24) | (src[s + 1]! << 16) | (src[s + 2]! << 8) | src[s + 3]!) >>> 0;
    s += 4;
    if (size > src.length - s) throw new FormatError("snappy: xerial chunk runs past the end");
    const part = decompressRaw(src, s, s + size, maxOutput - total, maxOutput);
    parts.push(part);
    total += part.length;
    s += size;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let d = 0;
  for (const p of parts) {
    out.set(p, d);
    d += p.length;
  }
  return out;
}

/** LZ77 back-reference copy; overlapping copies (offset < len) repeat bytes, so they go byte by byte. */
export function copyMatch(dst: Uint8Array, d: number, offset: number, len: number): number {
  let m = d - offset;
  if (len > 24 && offset >= len) {
    dst.copyWithin(d, m, m + len);
    return d + len;
  }
  const stop = d + len;
  while (d < stop) dst[d++] = dst[m++]!;
  return d;
}

/** `maxOutput` is what this chunk may add; `limit`, the whole output's bound, is what an error names. */
function decompressRaw(src: Uint8Array, s: number, end: number, maxOutput: number, limit = maxOutput): Uint8Array {
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) throw new FormatError("snappy: uncompressed length varint too long");
    if (s >= end) throw new FormatError("snappy: truncated length");
    const b = src[s++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > 0xffffffff) throw new FormatError("snappy: uncompressed length over 32 bits");
  if (length > maxOutput) {
    const sofar = limit - maxOutput;
    throw new FormatError(
      sofar > 0
        ? `snappy: output larger than ${limit} bytes (${sofar} bytes, then a chunk of ${length})`
        : `snappy: uncompressed length ${length} exceeds the limit of ${limit} bytes`,
    );
  }
  let dst: Uint8Array;
  try {
    dst = new Uint8Array(length);
  } catch (e) {
    throw asFormatError(e, "snappy");
  }
  let d = 0;
  while (s < end) {
    const tag = src[s++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = (tag >>> 2) + 1;
        if (len > 60) {
          const n = len - 60;
          if (end - s < n) throw new FormatError("snappy: truncated literal length");
          len = 0;
          for (let i = n - 1; i >= 0; i--) len = len * 256 + src[s + i]!;
          len += 1;
          s += n;
        }
        if (len > end - s) throw new FormatError("snappy: literal runs past the input");
        if (len > length - d) throw new FormatError("snappy: literal runs past the declared length");
        if (len > 32) dst.set(src.subarray(s, s + len), d);
        else for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
        s += len;
        d += len;
        continue;
      }
      case 1:
        if (s >= end) throw new FormatError("snappy: truncated copy");
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | src[s++]!;
        break;
      case 2:
        if (end - s < 2) throw new FormatError("snappy: truncated copy");
        len = (tag >>> 2) + 1;
        offset = src[s]! | (src[s + 1]! << 8);
        s += 2;
        break;
      default:
        if (end - s < 4) throw new FormatError("snappy: truncated copy");
        len = (tag >>> 2) + 1;
        offset = (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24)) >>> 0;
        s += 4;
    }
    if (offset === 0 || offset > d) throw new FormatError("snappy: copy offset out of range");
    if (len > length - d) throw new FormatError("snappy: copy runs past the declared length");
    d = copyMatch(dst, d, offset, len);
  }
  if (d !== length) throw new FormatError(`snappy: decoded ${d} bytes, header declared ${length}`);
  return dst;
}
