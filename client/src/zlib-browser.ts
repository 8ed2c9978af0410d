/**
 * What the browser build (build-options.mjs) puts in place of `node:zlib`, the one Node module the shared codec
 * (../lib/format/compression.ts) imports, for gzip. Browsers have no synchronous zlib, so gzip batches cannot be
 * written or read there: both directions fail with one clear error naming the codecs that work (none, snappy, lz4),
 * which the consumer reports as that partition's corrupt-data error. Every other codec is pure TypeScript.
 */
const unavailable = (): never => {
  throw new Error("gzip needs node:zlib, absent in this runtime (browsers, edge): use none, snappy or lz4 here");
};

export const gzipSync = (_data: Uint8Array, _options?: unknown): Uint8Array => unavailable();
export const gunzipSync = (_data: Uint8Array, _options?: unknown): Uint8Array => unavailable();
