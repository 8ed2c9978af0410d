/**
 * LZ4 in the standard frame format, as Kafka writes and reads it for RecordBatch v2 (magic >= 1).
 *
 * Frame: magic 0x184D2204 (LE u32) | FLG u8 | BD u8 | [content size u64] | [dict id u32] | HC u8 |
 *        blocks: { size u32 LE (high bit: stored uncompressed; 0: end mark) | data | [xxh32 u32] }* |
 *        [content xxh32 u32]
 * FLG bits: 7-6 version (01), 5 block independence, 4 block checksum, 3 content size, 2 content checksum, 0 dict id.
 * BD bits 6-4: max block size (4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB). HC = (xxh32(FLG..) >> 8) & 0xff.
 *
 * We write what Kafka's KafkaLZ4BlockOutputStream writes: FLG 0x60 (version 1, independent blocks, no checksums),
 * BD 0x40 (64 KiB blocks). Kafka's reader rejects dependent blocks, which is why lz4js (4 MiB dependent blocks)
 * is not used. Reading accepts every optional field and verifies every checksum present.
 * The block decoder checks every length and offset, so hostile input raises FormatError and never reads or
 * writes out of range.
 */
import { FormatError } from "./errors.js";
import { copyMatch } from "./snappy.js";
import { xxh32 } from "./xxh32.js";

const MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BLOCK_SIZES: Record<number, number> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };
const UNCOMPRESSED_BIT = 0x80000000;

const WRITE_BLOCK_SIZE = 1 << 16;
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 15;
const hashTable = new Int32Array(1 << HASH_LOG);

const read32 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const readU32 = (b: Uint8Array, i: number): number => read32(b, i) >>> 0;

function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

const hash = (seq: number): number => Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);

function writeLength(dst: Uint8Array, d: number, n: number): number {
  while (n >= 255) {
    dst[d++] = 255;
    n -= 255;
  }
  dst[d++] = n;
  return d;
}

function copy(src: Uint8Array, s: number, dst: Uint8Array, d: number, n: number): void {
  if (n > 32) dst.set(src.subarray(s, s + n), d);
  else for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
}

/** Emits one sequence (literals then a match; matchLength 0 means the final literals-only sequence). */
function emit(
  dst: Uint8Array,
  d: number,
  src: Uint8Array,
  anchor: number,
  literals: number,
  offset: number,
  matchLength: number,
): number {
  const token = d++;
  let t = 0;
  if (literals >= 15) {
    t = 0xf0;
    d = writeLength(dst, d, literals - 15);
  } else t = literals << 4;
  copy(src, anchor, dst, d, literals);
  d += literals;
  if (matchLength > 0) {
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    const ml = matchLength - MIN_MATCH;
    if (ml >= 15) {
      t |= 15;
      d = writeLength(dst, d, ml - 15);
    } else t |= ml;
  }
  dst[token] = t;
  return d;
}

/**
 * Greedy LZ4 block compression of src[start, end) into dst at d (hash of 4-byte sequences, one candidate each,
 * with LZ4's skip acceleration over incompressible stretches). Returns the position after the block.
 * dst must have room for the worst case (n + n/255 + 16).
 */
function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  let anchor = start;
  if (end - start > MF_LIMIT) {
    const mfLimit = end - MF_LIMIT;
    const matchLimit = end - LAST_LITERALS;
    let ip = start;
    let misses = 1 << 6;
    while (ip < mfLimit) {
      const seq = read32(src, ip);
      const h = hash(seq);
      let ref = hashTable[h]!;
      hashTable[h] = ip;
      if (ref < start || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip += misses++ >> 6;
        continue;
      }
      misses = 1 << 6;
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let len = MIN_MATCH;
      while (ip + len < matchLimit && src[ip + len] === src[ref + len]) len++;
      d = emit(dst, d, src, anchor, ip - anchor, ip - ref, len);
      ip += len;
      anchor = ip;
      if (ip < mfLimit) hashTable[hash(read32(src, ip - 2))] = ip - 2;
    }
  }
  return emit(dst, d, src, anchor, end - anchor, 0, 0);
}

/** Compresses `data` into one LZ4 frame with 64 KiB independent blocks (Kafka's layout). */
export function lz4Compress(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / WRITE_BLOCK_SIZE);
  const worstBlock = 4 + WRITE_BLOCK_SIZE + (WRITE_BLOCK_SIZE >>> 8) + 16;
  const out = new Uint8Array(7 + blocks * worstBlock + 4);
  write32(out, 0, MAGIC);
  out[4] = FLG_VERSION_1 | FLG_BLOCK_INDEPENDENT;
  out[5] = 4 << 4;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  let d = 7;
  hashTable.fill(-1);
  for (let s = 0; s < data.length; s += WRITE_BLOCK_SIZE) {
    const e = Math.min(s + WRITE_BLOCK_SIZE, data.length);
    const blockEnd = compressBlock(data, s, e, out, d + 4);
    const size = blockEnd - d - 4;
    if (size < e - s) {
      write32(out, d, size);
      d = blockEnd;
    } else {
      // Incompressible: store as is, as the format allows, so output never grows past input + framing.
      write32(out, d, (UNCOMPRESSED_BIT | (e - s)) >>> 0);
      out.set(data.subarray(s, e), d + 4);
      d += 4 + (e - s);
    }
  }
  write32(out, d, 0);
  d += 4;
  return out.slice(0, d);
}

function readLength(src: Uint8Array, s: number, end: number, n: number): [number, number] {
  let b: number;
  do {
    if (s >= end) throw new FormatError("lz4: truncated length");
    b = src[s++]!;
    n += b;
  } while (b === 255);
  return [s, n];
}

/**
 * Decodes one block src[s, end) into dst at d; matches may reach back to `windowStart`. Returns the new d.
 * Output past dst's end is a FormatError saying `overflow` (the caller knows which limit dst's end is).
 */
function decompressBlock(
  src: Uint8Array,
  s: number,
  end: number,
  dst: Uint8Array,
  d: number,
  windowStart: number,
  overflow: string,
) {
  const dLimit = dst.length;
  for (;;) {
    if (s >= end) throw new FormatError("lz4: block ends inside a sequence");
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) [s, literals] = readLength(src, s, end, literals);
    if (literals > end - s) throw new FormatError("lz4: literals run past the block");
    if (literals > dLimit - d) throw new FormatError(overflow);
    copy(src, s, dst, d, literals);
    s += literals;
    d += literals;
    if (s === end) return d;
    if (end - s < 2) throw new FormatError("lz4: truncated match offset");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - windowStart) throw new FormatError("lz4: match offset out of range");
    let length = token & 15;
    if (length === 15) [s, length] = readLength(src, s, end, length);
    length += MIN_MATCH;
    if (length > dLimit - d) throw new FormatError(overflow);
    d = copyMatch(dst, d, offset, length);
  }
}

function grow(buf: Uint8Array, used: number, need: number, limit: number): Uint8Array {
  if (need <= buf.length) return buf;
  const size = Math.min(Math.max(need, buf.length * 2), limit);
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}

/** Decompresses one LZ4 frame; more than `maxOutput` bytes of output is a FormatError. */
export function lz4Decompress(src: Uint8Array, maxOutput: number): Uint8Array {
  const end = src.length;
  if (end < 7 || readU32(src, 0) !== MAGIC) throw new FormatError("lz4: not an LZ4 frame (bad magic)");
  const flg = src[4]!;
  const bd = src[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw new FormatError("lz4: unsupported frame version");
  if (flg & FLG_RESERVED || bd & 0x8f) throw new FormatError("lz4: reserved bits set");
  const maxBlock = BLOCK_SIZES[(bd >>> 4) & 7];
  if (maxBlock === undefined) throw new FormatError("lz4: invalid block size");
  let s = 6;
  let contentSize = -1;
  if (flg & FLG_CONTENT_SIZE) {
    if (end - s < 8) throw new FormatError("lz4: truncated header");
    const hi = readU32(src, s + 4);
    contentSize = hi * 2 ** 32 + readU32(src, s);
    if (contentSize > maxOutput)
      throw new FormatError(`lz4: content size ${contentSize} exceeds the limit of ${maxOutput} bytes`);
    s += 8;
  }
  if (flg & FLG_DICT_ID) throw new FormatError("lz4: frames needing a dictionary are not supported");
  if (s >= end) throw new FormatError("lz4: truncated header");
  if (src[s] !== ((xxh32(src, 4, s) >>> 8) & 0xff)) throw new FormatError("lz4: header checksum mismatch");
  s++;
  const independent = (flg & FLG_BLOCK_INDEPENDENT) !== 0;
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  let out: Uint8Array = new Uint8Array(Math.min(contentSize >= 0 ? contentSize : maxBlock, maxOutput));
  let d = 0;
  for (;;) {
    if (end - s < 4) throw new FormatError("lz4: truncated block header");
    const word = readU32(src, s);
    s += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlock) throw new FormatError("lz4: block larger than the declared maximum");
    if (size > end - s) throw new FormatError("lz4: truncated block");
    const blockEnd = s + size;
    if (blockChecksum) {
      if (end - blockEnd < 4) throw new FormatError("lz4: truncated block checksum");
      if (xxh32(src, s, blockEnd) !== readU32(src, blockEnd)) throw new FormatError("lz4: block checksum mismatch");
    }
    const room = Math.min(d + maxBlock, maxOutput);
    if (d + (word & UNCOMPRESSED_BIT ? size : 1) > maxOutput)
      throw new FormatError(`lz4: output larger than ${maxOutput} bytes`);
    out = grow(out, d, room, maxOutput);
    // A view capped at `room` makes the block decoder's limit checks enforce the block and output limits.
    const view = out.subarray(0, room);
    if (word & UNCOMPRESSED_BIT) {
      view.set(src.subarray(s, blockEnd), d);
      d += size;
    } else {
      const overflow =
        room === maxOutput
          ? `lz4: output larger than ${maxOutput} bytes`
          : `lz4: block larger than its declared maximum of ${maxBlock} bytes`;
      d = decompressBlock(src, s, blockEnd, view, d, independent ? d : 0, overflow);
    }
    s = blockEnd + (blockChecksum ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (end - s < 4) throw new FormatError("lz4: truncated content checksum");
    if (xxh32(out, 0, d) !== readU32(src, s)) throw new FormatError("lz4: content checksum mismatch");
    s += 4;
  }
  if (s !== end) throw new FormatError("lz4: trailing bytes after the frame");
  if (contentSize >= 0 && contentSize !== d) throw new FormatError("lz4: content size mismatch");
  return d === out.length ? out : out.slice(0, d);
}
