/**
 * What the browser build (build-options.mjs) puts in place of `node:zlib`, the one Node module the shared codec
 * (../lib/format/compression.ts) imports, for gzip: gunzipSync and gzipSync with the same contract, in plain
 * TypeScript. gunzipSync is a full inflate (RFC 1951 stored, fixed and dynamic Huffman blocks in a RFC 1952 gzip
 * member, CRC-32 and length checked) that stops at `maxOutputLength` with zlib's ERR_BUFFER_TOO_LARGE. gzipSync writes
 * deflate's stored blocks: valid gzip that every reader accepts, but not smaller (use lz4 or snappy in browsers when
 * size matters). Huffman codes are decoded a bit at a time (canonical code counts): simple over fast.
 */

class BufferTooLarge extends Error {
  readonly code = "ERR_BUFFER_TOO_LARGE";
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A growable output, bounded. */
class Output {
  bytes = new Uint8Array(1024);
  length = 0;
  constructor(private readonly max: number) {}
  private room(n: number): void {
    if (this.length + n > this.max) throw new BufferTooLarge(`gunzip: output larger than ${this.max} bytes`);
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  push(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }
  append(src: Uint8Array): void {
    this.room(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }
  copy(distance: number, length: number): void {
    if (distance > this.length) throw new Error("gunzip: a back-reference before the start");
    this.room(length);
    for (let i = 0; i < length; i++, this.length++) this.bytes[this.length] = this.bytes[this.length - distance]!;
  }
}

class Bits {
  private bit = 0;
  private bitCount = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}
  read(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.data.length) throw new Error("gunzip: the data ends inside a block");
      this.bit |= this.data[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bit & ((1 << n) - 1);
    this.bit >>>= n;
    this.bitCount -= n;
    return v;
  }
  /** Drops the bits left in the current byte (stored blocks and the trailer are byte-aligned). */
  align(): void {
    this.bit = 0;
    this.bitCount = 0;
  }
}

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

function huffman(lengths: Uint8Array): Huffman {
  const counts = new Uint16Array(16);
  for (const l of lengths) counts[l]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let i = 1; i < 16; i++) offsets[i] = offsets[i - 1]! + counts[i - 1]!;
  const symbols = new Uint16Array(lengths.length);
  lengths.forEach((l, s) => {
    if (l !== 0) symbols[offsets[l]!++] = s;
  });
  return { counts, symbols };
}

function decodeSymbol(bits: Bits, h: Huffman): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    code |= bits.read(1);
    const count = h.counts[len]!;
    if (code - first < count) return h.symbols[index + code - first]!;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  throw new Error("gunzip: an invalid Huffman code");
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const FIXED = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return { lit: huffman(l), dist: huffman(new Uint8Array(30).fill(5)) };
})();

function dynamicCodes(bits: Bits): { lit: Huffman; dist: Huffman } {
  const hlit = bits.read(5) + 257;
  const hdist = bits.read(5) + 1;
  const hclen = bits.read(4) + 4;
  const clens = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) clens[CODE_LENGTH_ORDER[i]!] = bits.read(3);
  const ch = huffman(clens);
  const lengths = new Uint8Array(hlit + hdist);
  for (let i = 0; i < hlit + hdist; ) {
    const sym = decodeSymbol(bits, ch);
    if (sym < 16) lengths[i++] = sym;
    else {
      let repeat: number;
      let value = 0;
      if (sym === 16) {
        if (i === 0) throw new Error("gunzip: a repeat with nothing before it");
        value = lengths[i - 1]!;
        repeat = 3 + bits.read(2);
      } else repeat = sym === 17 ? 3 + bits.read(3) : 11 + bits.read(7);
      if (i + repeat > lengths.length) throw new Error("gunzip: code lengths overrun");
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
  }
  return { lit: huffman(lengths.subarray(0, hlit)), dist: huffman(lengths.subarray(hlit)) };
}

function inflate(bits: Bits, out: Output, data: Uint8Array): void {
  for (let last = 0; !last; ) {
    last = bits.read(1);
    const type = bits.read(2);
    if (type === 0) {
      bits.align();
      const p = bits.pos;
      if (p + 4 > data.length) throw new Error("gunzip: the data ends inside a block");
      const len = data[p]! | (data[p + 1]! << 8);
      const nlen = data[p + 2]! | (data[p + 3]! << 8);
      if ((len ^ 0xffff) !== nlen) throw new Error("gunzip: a stored block's length check fails");
      if (p + 4 + len > data.length) throw new Error("gunzip: the data ends inside a block");
      out.append(data.subarray(p + 4, p + 4 + len));
      bits.pos = p + 4 + len;
      continue;
    }
    if (type === 3) throw new Error("gunzip: an invalid block type");
    const { lit, dist } = type === 1 ? FIXED : dynamicCodes(bits);
    for (;;) {
      const sym = decodeSymbol(bits, lit);
      if (sym < 256) out.push(sym);
      else if (sym === 256) break;
      else {
        const li = sym - 257;
        if (li >= 29) throw new Error("gunzip: an invalid length code");
        const length = LENGTH_BASE[li]! + bits.read(LENGTH_EXTRA[li]!);
        const di = decodeSymbol(bits, dist);
        if (di >= 30) throw new Error("gunzip: an invalid distance code");
        out.copy(DIST_BASE[di]! + bits.read(DIST_EXTRA[di]!), length);
      }
    }
  }
  bits.align();
}

export function gunzipSync(data: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array {
  const out = new Output(options?.maxOutputLength ?? Number.MAX_SAFE_INTEGER);
  let pos = 0;
  do {
    // one gzip member: header, deflate stream, CRC-32 and length of its output
    if (data.length - pos < 18 || data[pos] !== 0x1f || data[pos + 1] !== 0x8b || data[pos + 2] !== 8)
      throw new Error("gunzip: not gzip data");
    const flags = data[pos + 3]!;
    let p = pos + 10;
    if (flags & 4) p += 2 + (data[p]! | (data[p + 1]! << 8));
    if (flags & 8) while (data[p++] !== 0 && p < data.length);
    if (flags & 16) while (data[p++] !== 0 && p < data.length);
    if (flags & 2) p += 2;
    const start = out.length;
    const bits = new Bits(data, p);
    inflate(bits, out, data);
    p = bits.pos;
    if (p + 8 > data.length) throw new Error("gunzip: the trailer is missing");
    const view = new DataView(data.buffer, data.byteOffset + p, 8);
    const member = out.bytes.subarray(start, out.length);
    if (view.getUint32(0, true) !== crc32(member)) throw new Error("gunzip: CRC-32 mismatch");
    if (view.getUint32(4, true) !== member.length >>> 0) throw new Error("gunzip: length mismatch");
    pos = p + 8;
  } while (pos < data.length);
  return out.bytes.slice(0, out.length);
}

export function gzipSync(data: Uint8Array, _options?: unknown): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 0xffff));
  const out = new Uint8Array(10 + data.length + blocks * 5 + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let p = 10;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * 0xffff, Math.min(data.length, (b + 1) * 0xffff));
    out[p++] = b === blocks - 1 ? 1 : 0;
    out[p++] = chunk.length & 0xff;
    out[p++] = chunk.length >>> 8;
    out[p++] = ~chunk.length & 0xff;
    out[p++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, p);
    p += chunk.length;
  }
  const view = new DataView(out.buffer, p, 8);
  view.setUint32(0, crc32(data), true);
  view.setUint32(4, data.length >>> 0, true);
  return out;
}
