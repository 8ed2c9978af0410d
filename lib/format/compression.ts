/**
 * The batch compression codecs (attributes bits 0-2), synchronous: none, gzip (node:zlib), snappy and lz4
 * (pure TS, Kafka-compatible framings; see snappy.ts and lz4.ts), zstd (WASM, usable once `zstdReady()` has
 * resolved; see zstd.ts). An unknown codec number is a FormatError on read and an InvalidArgumentError on write.
 * Every decompression is bounded by `maxOutputBytes` so a small hostile batch cannot expand without limit.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { InvalidArgumentError } from "../errors.js";
import { asFormatError, FormatError } from "./errors.js";
import { lz4Compress, lz4Decompress } from "./lz4.js";
import { snappyCompress, snappyDecompress } from "./snappy.js";
import { Compression, type CompressionCodec } from "./types.js";
import { zstdCompress, zstdDecompress } from "./zstd.js";

/** Default bound on one batch's decompressed records section. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

const NAMES: Record<number, string> = { 0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };

/** The codecs this build can both read and write. */
export const SUPPORTED_CODECS: readonly CompressionCodec[] = [
  Compression.none,
  Compression.gzip,
  Compression.snappy,
  Compression.lz4,
  Compression.zstd,
];

const SUPPORTED_NAMES = SUPPORTED_CODECS.map((c) => NAMES[c]).join(", ");

export const codecName = (codec: number): string => NAMES[codec] ?? `unknown(${codec})`;

/** The codecs this build writes, by the names Kafka's compression.type uses. One table for server and client. */
export const CODEC_BY_NAME = {
  none: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
} as const satisfies Record<string, CompressionCodec>;
export type CompressionName = keyof typeof CODEC_BY_NAME;

/** The codec for a name, or undefined (e.g. "producer" or "uncompressed" in topic config, which mean other things). */
export const codecByName = (name: string): CompressionCodec | undefined =>
  Object.hasOwn(CODEC_BY_NAME, name) ? CODEC_BY_NAME[name as CompressionName] : undefined;

export const isSupportedCodec = (codec: number): codec is CompressionCodec =>
  (SUPPORTED_CODECS as readonly number[]).includes(codec);

/** gzip level: zlib's default (6), the same as Kafka's default compression.gzip.level. */
const GZIP_LEVEL = 6;

/**
 * Compresses a records section with `codec`.
 * @example compress(Compression.lz4, bytes)
 * @throws InvalidArgumentError for a codec this build cannot write (not a codec number)
 */
export function compress(codec: CompressionCodec, data: Uint8Array): Uint8Array {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return toUint8(gzipSync(data, { level: GZIP_LEVEL }));
    case Compression.snappy:
      return snappyCompress(data);
    case Compression.lz4:
      return lz4Compress(data);
    case Compression.zstd:
      return zstdCompress(data);
    default:
      throw new InvalidArgumentError(
        "compression",
        `compression codec ${codecName(codec)} is not supported (supported: ${SUPPORTED_NAMES})`,
      );
  }
}

/**
 * Decompresses a records section compressed with `codec`.
 * @throws FormatError if the data does not decompress, the codec is unsupported, or the output would exceed
 *   `maxOutputBytes` (default 64 MiB)
 */
export function decompress(
  codec: CompressionCodec,
  data: Uint8Array,
  maxOutputBytes: number = DEFAULT_MAX_UNCOMPRESSED_BYTES,
): Uint8Array {
  switch (codec) {
    case Compression.none:
      if (data.length > maxOutputBytes) throw new FormatError(`records section exceeds ${maxOutputBytes} bytes`);
      return data;
    case Compression.gzip:
      return gunzip(data, maxOutputBytes);
    case Compression.snappy:
      return snappyDecompress(data, maxOutputBytes);
    case Compression.lz4:
      return lz4Decompress(data, maxOutputBytes);
    case Compression.zstd:
      return zstdDecompress(data, maxOutputBytes);
    default:
      throw new FormatError(`compression codec ${codecName(codec)} is not supported (supported: ${SUPPORTED_NAMES})`, {
        details: { codec },
      });
  }
}

function gunzip(data: Uint8Array, maxOutputBytes: number): Uint8Array {
  try {
    // maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) instead of inflating a bomb into memory.
    return toUint8(gunzipSync(data, { maxOutputLength: Math.max(1, maxOutputBytes) }));
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new FormatError(`gzip: output larger than ${maxOutputBytes} bytes`, { cause: e });
    }
    throw asFormatError(e, "gzip");
  }
}

/** A plain Uint8Array view of a Buffer (callers compare and slice Uint8Arrays; Buffer's slice() shares memory). */
const toUint8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
