/**
 * The CRC-32C slicing-by-16 loop as a tiny WebAssembly module (about 400 bytes, assembled below at load time; no
 * file, no fetch). The same tables and the same arithmetic as crc32c.ts, but V8's WebAssembly tier emits the table
 * loads without JS bounds checks: about twice the JS loop's throughput on Node 20, copy into its memory included
 * (numbers in the crc32c.ts header).
 *
 * Memory layout (2 pages, fixed): [0, 16 KiB) the sixteen 256-entry tables, table k at k * 1024; [16 KiB, 16 KiB +
 * CHUNK) the bytes being checksummed, copied in CHUNK at a time.
 *
 * The function crc(p, end, state) runs the loop over memory [p, end) from the running (complemented) state.
 */

const TABLES = 16 * 256 * 4;
/** Bytes copied in per call into the module: fixed memory, and a chunk is large enough to amortize the call. */
export const WASM_CHUNK = 64 * 1024;

// WebAssembly opcodes used below.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_GT_U = 0x4b;
const I32_GE_U = 0x4f;
const I32_XOR = 0x73;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I32_LOAD = 0x28;
const I32_LOAD8_U = 0x2d;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const I32 = 0x7f;

const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? b : b | 0x80);
  } while (n !== 0);
  return out;
};

/** i32.load with 4-byte alignment hint at a constant offset. */
const load = (offset: number): number[] => [I32_LOAD, 2, ...uleb(offset)];

/** Function body. Locals: 0 p, 1 end, 2 state, 3..6 the four words of a 16-byte step. */
function body(): number[] {
  const code: number[] = [];
  // while (p + 16 <= end): state = XOR of 16 table lookups, one per byte of (state ^ word0), word1..word3
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, 0, I32_CONST, 16, I32_ADD, LOCAL_GET, 1, I32_GT_U, BR_IF, 1);
  code.push(LOCAL_GET, 2, LOCAL_GET, 0, ...load(0), I32_XOR, LOCAL_SET, 3);
  for (let w = 1; w < 4; w++) code.push(LOCAL_GET, 0, ...load(4 * w), LOCAL_SET, 3 + w);
  for (let k = 0; k < 16; k++) {
    const word = k >> 2;
    const shift = (k & 3) * 8;
    code.push(LOCAL_GET, 3 + word);
    if (shift > 0) code.push(I32_CONST, ...sleb(shift), I32_SHR_U);
    if (shift < 24) code.push(I32_CONST, ...sleb(0xff), I32_AND);
    code.push(I32_CONST, 2, I32_SHL, ...load((15 - k) * 1024)); // byte k of the step goes through table 15 - k
    if (k > 0) code.push(I32_XOR);
  }
  code.push(LOCAL_SET, 2, LOCAL_GET, 0, I32_CONST, 16, I32_ADD, LOCAL_SET, 0, BR, 0, END, END);
  // while (p < end): state = T0[(state ^ byte) & 0xff] ^ (state >>> 8)
  code.push(BLOCK, VOID, LOOP, VOID, LOCAL_GET, 0, LOCAL_GET, 1, I32_GE_U, BR_IF, 1);
  code.push(LOCAL_GET, 2, LOCAL_GET, 0, I32_LOAD8_U, 0, 0, I32_XOR, I32_CONST, ...sleb(0xff), I32_AND);
  code.push(I32_CONST, 2, I32_SHL, ...load(0), LOCAL_GET, 2, I32_CONST, 8, I32_SHR_U, I32_XOR, LOCAL_SET, 2);
  code.push(LOCAL_GET, 0, I32_CONST, 1, I32_ADD, LOCAL_SET, 0, BR, 0, END, END);
  code.push(LOCAL_GET, 2, END);
  return [1, 4, I32, ...code]; // one group of 4 extra i32 locals
}

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];

function moduleBytes(): Uint8Array {
  const fn = body();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type: (i32, i32, i32) -> i32
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 2]), // one memory, 2 pages
    ...section(7, [2, ...name("crc"), 0x00, 0, ...name("mem"), 0x02, 0]), // exports
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ]);
}

export interface WasmCrc {
  /** Continues `state` (the complemented CRC) over bytes[start, end). */
  update(bytes: Uint8Array, start: number, end: number, state: number): number;
}

/** The little of the WebAssembly API used here (the project's TypeScript lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** WebAssembly memory is little-endian; the tables are copied in through an Int32Array in the host's order. */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Instantiates the module with `tables` copied in; undefined where WebAssembly is unavailable or refuses it, or on a
 * big-endian host.
 */
export function loadWasmCrc(tables: Int32Array): WasmCrc | undefined {
  if (!littleEndian || api === undefined) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(new api.Module(moduleBytes())).exports;
  } catch {
    return undefined; // the JS loop stays correct, only slower
  }
  const memory = exports.mem as { buffer: ArrayBuffer };
  const run = exports.crc as (p: number, end: number, state: number) => number;
  new Int32Array(memory.buffer, 0, tables.length).set(tables);
  const window = new Uint8Array(memory.buffer, TABLES, WASM_CHUNK);
  return {
    update(bytes, start, end, state) {
      for (let at = start; at < end; at += WASM_CHUNK) {
        const n = Math.min(WASM_CHUNK, end - at);
        window.set(bytes.subarray(at, at + n));
        state = run(TABLES, TABLES + n, state);
      }
      return state;
    },
  };
}
