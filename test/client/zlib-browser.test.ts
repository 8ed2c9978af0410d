/**
 * The browser build's gzip (client/src/zlib-browser.ts, swapped in for node:zlib) against Node's zlib: it inflates
 * what zlib writes at every level (stored, fixed and dynamic Huffman blocks), what it writes zlib reads, and it
 * refuses corrupt data and output beyond maxOutputLength with zlib's error code.
 */
import { gunzipSync as nodeGunzip, gzipSync as nodeGzip } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gunzipSync, gzipSync } from "../../client/src/zlib-browser.js";

const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog ".repeat(3000));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("gzip without node:zlib", () => {
  it("inflates what zlib deflates, at every level and for any bytes", () => {
    for (const level of [0, 1, 6, 9]) expect(same(gunzipSync(nodeGzip(text, { level })), text)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 9 }), (bytes, level) => {
        expect(same(gunzipSync(nodeGzip(bytes, { level })), bytes)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("writes gzip that zlib reads (stored blocks, across the 64 KiB block size)", () => {
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    for (const bytes of [new Uint8Array(0), text, big]) {
      expect(same(nodeGunzip(gzipSync(bytes)), bytes)).toBe(true);
      expect(same(gunzipSync(gzipSync(bytes)), bytes)).toBe(true);
    }
  });

  it("refuses corrupt data and output beyond maxOutputLength", () => {
    const good = nodeGzip(text);
    const flipped = new Uint8Array(good);
    flipped[flipped.length - 6]! ^= 1; // in the CRC-32
    expect(() => gunzipSync(flipped)).toThrow(/CRC-32 mismatch/);
    expect(() => gunzipSync(new Uint8Array([1, 2, 3]))).toThrow(/not gzip/);
    expect(() => gunzipSync(good.subarray(0, good.length - 20))).toThrow(/gunzip/);
    expect(() => gunzipSync(good, { maxOutputLength: 1000 })).toThrow(
      expect.objectContaining({ code: "ERR_BUFFER_TOO_LARGE" }),
    );
  });
});
