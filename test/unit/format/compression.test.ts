/** Codecs: round trips, Kafka-compatible framings, bounded output, and FormatError on anything malformed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import SnappyJS from "snappyjs";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../lib/errors.js";
import { codecName, compress, decompress } from "../../../lib/format/compression.js";
import { FormatError } from "../../../lib/format/errors.js";
import { Compression, type CompressionCodec } from "../../../lib/format/types.js";
import { zstdReady } from "../../../lib/format/zstd.js";

const codecs = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const;
// Data with repeats (compressible) as well as noise, up to a few 64 KiB blocks.
const dataArb = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 800 }))
    .map(([chunk, times]) => new Uint8Array(Array.from({ length: times }, () => Array.from(chunk)).flat())),
);

function hasLz4Cli(): boolean {
  try {
    execFileSync("lz4", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("compression", () => {
  beforeAll(zstdReady);

  it("round-trips every supported codec", () => {
    fc.assert(
      fc.property(dataArb, fc.constantFrom(...codecs), (data, codec) => {
        expect(decompress(codec, compress(codec, data))).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });

  it("lz4 frames span several 64 KiB independent blocks", () => {
    const data = new Uint8Array(300_000).map((_, i) => ((i * 31) % 251) ^ (i >> 9));
    const frame = compress(Compression.lz4, data);
    expect(Array.from(frame.subarray(0, 7))).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
    // Buffer.equals: vitest's toEqual on 300 KB arrays takes seconds
    expect(Buffer.from(decompress(Compression.lz4, frame)).equals(data)).toBe(true);
  });

  it.skipIf(!hasLz4Cli())("the reference lz4 tool reads our frames and we read its frames", () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-lz4-"));
    try {
      fc.assert(
        fc.property(dataArb, (data) => {
          writeFileSync(join(dir, "ours.lz4"), compress(Compression.lz4, data));
          const theirs = execFileSync("lz4", ["-d", "-c", join(dir, "ours.lz4")]);
          expect(new Uint8Array(theirs)).toEqual(data);
          writeFileSync(join(dir, "plain"), data);
          execFileSync("lz4", ["-q", "-f", "-B4", "-BD", join(dir, "plain"), join(dir, "ref.lz4")]);
          // dependent blocks (-BD): Kafka never writes them, but reading them costs nothing
          expect(decompress(Compression.lz4, new Uint8Array(readFileSync(join(dir, "ref.lz4"))))).toEqual(data);
        }),
        { numRuns: 15 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("snappy: reads raw snappy as well as xerial framing", () => {
    fc.assert(
      fc.property(dataArb, (data) => {
        expect(decompress(Compression.snappy, SnappyJS.compress(data))).toEqual(data);
      }),
      { numRuns: 100 },
    );
  });

  it("decompression past the limit is a FormatError (bomb guard)", () => {
    const zeros = new Uint8Array(1_000_000);
    for (const codec of codecs) {
      const packed = compress(codec, zeros);
      expect(() => decompress(codec, packed, 999_999)).toThrow(FormatError);
      expect(Buffer.from(decompress(codec, packed, 1_000_000)).equals(zeros)).toBe(true);
    }
  });

  it("an output past the limit is refused naming the limit, whichever chunk of the stream crosses it", () => {
    const zeros = new Uint8Array(1_000_000);
    for (const codec of codecs) {
      const packed = compress(codec, zeros);
      // 65,536 is two whole xerial snappy chunks: the third is refused with nothing left of the limit
      for (const limit of [999_999, 65_536, 100]) {
        expect(() => decompress(codec, packed, limit), `${codecName(codec)} under ${limit}`).toThrow(
          new RegExp(`\\b${limit} bytes`),
        );
      }
    }
  });

  it("unknown codecs: FormatError on read, InvalidArgumentError on write", () => {
    expect(() => decompress(6 as CompressionCodec, new Uint8Array(10))).toThrow(/unknown\(6\).*not supported/);
    expect(() => compress(5 as CompressionCodec, new Uint8Array(10))).toThrow(InvalidArgumentError);
  });

  it("garbage and corrupted streams only raise FormatError", () => {
    fc.assert(
      fc.property(
        dataArb,
        fc.constantFrom(Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (data, codec, at, flip) => {
          const packed = compress(codec, data).slice();
          packed[at % packed.length]! ^= flip;
          try {
            decompress(codec, packed, 10_000_000);
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
          try {
            decompress(codec, packed.subarray(0, at % packed.length), 10_000_000);
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
