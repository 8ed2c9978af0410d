/**
 * zstd (batch codec 4) over @bokuweb/zstd-wasm: synchronous once the WASM module has loaded. Loading starts when
 * this module is imported and happens once per loaded copy of the package (a second init() of the same copy would
 * swap the memory under functions bound to the first instance); service start (createStrata) and the SDK's
 * produce/fetch await `zstdReady()`. Until then, or if loading failed, zstd calls throw an error saying so.
 * Decompression is bounded before any allocation: the frames are walked in TS first, a frame's declared content
 * size is checked against the limit, and a frame without one gets an output buffer no larger than its blocks can
 * fill (raw/RLE sizes, 128 KiB per compressed block) nor than what is left of the limit.
 */
import { init, compress as wasmCompress, decompress as wasmDecompress } from "@bokuweb/zstd-wasm";
import { asFormatError, FormatError } from "./errors.js";

/** Kafka's default compression.zstd.level. */
export const ZSTD_LEVEL = 3;

interface LoadState {
  promise: Promise<void>;
  ready: boolean;
  error?: unknown;
}

/** Keyed by the package's init function: one load per loaded copy, even when our own modules are re-evaluated. */
const LOADS_KEY = Symbol.for("strata.zstd-wasm.loads");

function loadState(): LoadState {
  const g = globalThis as { [LOADS_KEY]?: WeakMap<object, LoadState> };
  g[LOADS_KEY] ??= new WeakMap();
  const loads = g[LOADS_KEY];
  let state = loads.get(init);
  if (!state) {
    const fresh: LoadState = { ready: false, promise: Promise.resolve() };
    fresh.promise = init().then(
      () => {
        fresh.ready = true;
      },
      (e: unknown) => {
        fresh.error = e;
      },
    );
    loads.set(init, fresh);
    state = fresh;
  }
  return state;
}

loadState(); // start loading at import: by the time a service has opened its storage, it is done

/** Resolves once the zstd codec is usable, or known to be unusable (zstd calls then throw the reason). Never rejects. */
export const zstdReady = (): Promise<void> => loadState().promise;

/** Why the zstd codec cannot be used (its module failed to load); undefined if it loaded or is still loading. */
export function zstdLoadFailure(): string | undefined {
  const { error } = loadState();
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}

function ensureLoaded(): void {
  const state = loadState();
  if (state.error !== undefined) {
    const reason = state.error instanceof Error ? state.error.message : String(state.error);
    throw new FormatError(`zstd: the WASM codec failed to load (${reason})`, { cause: state.error });
  }
  if (!state.ready) throw new FormatError("zstd: the WASM codec is still loading (await zstdReady() first)");
}

/** Compresses `data` as one zstd frame (with its content size) at Kafka's default level. */
export function zstdCompress(data: Uint8Array): Uint8Array {
  ensureLoaded();
  return wasmCompress(data, ZSTD_LEVEL);
}

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** zstd's Block_Maximum_Size: no compressed block regenerates more. */
const MAX_BLOCK_BYTES = 128 * 1024;
/** ZSTD_error_dstSize_tooSmall, as the WASM build reports it (a negative size_t). */
const DST_TOO_SMALL = -70;

interface Frame {
  start: number;
  end: number;
  /** the declared Frame_Content_Size, when the header carries one */
  contentSize?: number;
  /** the most its blocks can regenerate */
  blockBound: number;
}

/**
 * Decompresses zstd frames (several are concatenated; skippable frames contribute nothing).
 * @throws FormatError if the data is not zstd, does not decompress, or would exceed `maxOutputBytes`
 */
export function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Uint8Array {
  ensureLoaded();
  const frames = scanFrames(data);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const frame of frames) {
    const left = maxOutputBytes - total;
    if (frame.contentSize !== undefined && frame.contentSize > left) {
      throw new FormatError(
        `zstd: frame declares ${frame.contentSize} bytes, past the limit of ${maxOutputBytes} bytes`,
        { details: { declared: frame.contentSize, limit: maxOutputBytes } },
      );
    }
    const capacity = Math.min(frame.blockBound, left);
    const out = runFrame(data.subarray(frame.start, frame.end), frame.contentSize ?? capacity, frame, maxOutputBytes);
    if (frame.contentSize !== undefined && out.length !== frame.contentSize) {
      throw new FormatError(`zstd: frame declares ${frame.contentSize} bytes but holds ${out.length}`);
    }
    parts.push(out);
    total += out.length;
  }
  if (parts.length === 1) return parts[0]!;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return joined;
}

function runFrame(bytes: Uint8Array, capacity: number, frame: Frame, maxOutputBytes: number): Uint8Array {
  try {
    // For a frame with a declared size the package allocates exactly that (checked above); otherwise `capacity`.
    return wasmDecompress(bytes, { defaultHeapSize: capacity });
  } catch (e) {
    const code = /code (-?\d+)/.exec(e instanceof Error ? e.message : "")?.[1];
    if (Number(code) === DST_TOO_SMALL && frame.contentSize === undefined && capacity < frame.blockBound) {
      throw new FormatError(`zstd: output larger than ${maxOutputBytes} bytes`, {
        cause: e,
        details: { limit: maxOutputBytes },
      });
    }
    throw asFormatError(code === undefined ? e : new Error(`corrupt frame (zstd error ${code})`), "zstd");
  }
}

/** Walks frame and block headers (RFC 8878) without decompressing anything. */
function scanFrames(data: Uint8Array): Frame[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > data.length) throw new FormatError(`zstd: truncated ${what} at byte ${at}`);
  };
  const frames: Frame[] = [];
  let at = 0;
  need(0, 4, "frame magic");
  while (at < data.length) {
    need(at, 4, "frame magic");
    const magic = view.getUint32(at, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(at + 4, 4, "skippable frame size");
      const size = view.getUint32(at + 4, true);
      need(at + 8, size, "skippable frame");
      at += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC)
      throw new FormatError(`zstd: not a zstd frame at byte ${at} (magic ${magic.toString(16)})`);
    const start = at;
    need(at + 4, 1, "frame header");
    const fhd = data[at + 4]!;
    at += 5;
    if (fhd & 0x08) throw new FormatError("zstd: reserved bit set in the frame header");
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    const dictIdBytes = [0, 1, 2, 4][fhd & 0x03]!;
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
    const headerRest = (singleSegment ? 0 : 1) + dictIdBytes + fcsBytes;
    need(at, headerRest, "frame header");
    at += (singleSegment ? 0 : 1) + dictIdBytes;
    let contentSize: number | undefined;
    if (fcsBytes === 1) contentSize = data[at]!;
    else if (fcsBytes === 2) contentSize = view.getUint16(at, true) + 256;
    else if (fcsBytes === 4) contentSize = view.getUint32(at, true);
    else if (fcsBytes === 8) contentSize = Number(view.getBigUint64(at, true)); // past 2^53 it only needs to be huge
    at += fcsBytes;
    let blockBound = 0;
    for (let last = false; !last; ) {
      need(at, 3, "block header");
      const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      at += 3;
      if (type === 0) {
        need(at, size, "raw block");
        blockBound += size;
        at += size;
      } else if (type === 1) {
        need(at, 1, "RLE block");
        blockBound += size;
        at += 1;
      } else if (type === 2) {
        need(at, size, "compressed block");
        blockBound += MAX_BLOCK_BYTES;
        at += size;
      } else {
        throw new FormatError(`zstd: reserved block type at byte ${at - 3}`);
      }
    }
    if (checksum) {
      need(at, 4, "content checksum");
      at += 4;
    }
    frames.push({ start, end: at, blockBound, ...(contentSize !== undefined ? { contentSize } : {}) });
  }
  return frames;
}
