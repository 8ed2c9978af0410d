/**
 * zstd (codec 4): frames from other encoders (hand-built, another level, the reference `zstd` tool when installed)
 * decode; zstd bombs, with or without a declared content size, are refused naming the limit before they allocate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compress as wasmCompress } from "@bokuweb/zstd-wasm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compress, decompress } from "../../../lib/format/compression.js";
import { FormatError } from "../../../lib/format/errors.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../lib/format/record-batch.js";
import { Compression } from "../../../lib/format/types.js";
import { zstdReady } from "../../../lib/format/zstd.js";
import { rleFrame, utf8, withRecordsSection } from "./support.js";

function hasZstdCli(): boolean {
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("zstd", () => {
  beforeAll(zstdReady);

  it("decodes a hand-built frame without a content size (RLE blocks)", () => {
    const out = decompress(Compression.zstd, rleFrame(3, 1000));
    expect(out).toEqual(new Uint8Array(3000).fill(0x61));
  });

  it("decodes frames another encoder wrote at other levels, and concatenated frames", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 19 }), (data, level) => {
        expect(decompress(Compression.zstd, wasmCompress(data, level))).toEqual(data);
      }),
      { numRuns: 50 },
    );
    const a = utf8("first frame ".repeat(100));
    const b = utf8("second ".repeat(50));
    const joined = new Uint8Array([...wasmCompress(a, 1), ...rleFrame(1, 10, 0x7a), ...wasmCompress(b, 19)]);
    expect(decompress(Compression.zstd, joined)).toEqual(
      new Uint8Array([...a, ...new Uint8Array(10).fill(0x7a), ...b]),
    );
  });

  it("refuses a frame declaring more than the limit before decompressing it", () => {
    const packed = compress(Compression.zstd, new Uint8Array(2_000_000));
    expect(() => decompress(Compression.zstd, packed, 1_000_000)).toThrow(
      /zstd: frame declares 2000000 bytes, past the limit of 1000000 bytes/,
    );
    // a header claiming 2^40 bytes in 8 bytes of content size: refused on the claim alone
    const huge = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x58, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(() => decompress(Compression.zstd, huge)).toThrow(/declares 1099511627776 bytes, past the limit/);
  });

  it("refuses a bomb without a content size (1 GiB from 32 KiB of RLE blocks) naming the limit", () => {
    const bomb = rleFrame(8192, 128 * 1024);
    expect(bomb.length).toBeLessThan(33_000);
    expect(() => decompress(Compression.zstd, bomb, 16 * 1024 * 1024)).toThrow(
      /zstd: output larger than 16777216 bytes/,
    );
    expect(() => decompress(Compression.zstd, bomb)).toThrow(FormatError);
  });

  it("a batch whose zstd records section is a bomb is refused by the batch decoder", () => {
    const one = encodeRecordBatch([{ key: null, value: null, headers: [], timestamp: 0 }], {
      compression: Compression.zstd,
    });
    const batch = withRecordsSection(one, rleFrame(8192, 128 * 1024));
    expect(() => decodeRecordBatch(batch, { maxUncompressedBytes: 1 << 20 })).toThrow(
      /zstd: output larger than 1048576 bytes/,
    );
  });

  it("malformed frames are FormatErrors naming zstd", () => {
    expect(() => decompress(Compression.zstd, new Uint8Array(0))).toThrow(/zstd: truncated frame magic/);
    expect(() => decompress(Compression.zstd, utf8("not zstd at all"))).toThrow(/zstd: not a zstd frame/);
    expect(() => decompress(Compression.zstd, rleFrame(2, 10).subarray(0, 9))).toThrow(/zstd: truncated/);
  });

  it("round-trips a batch of records compressed with zstd", () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: utf8(`k${i}`),
      value: utf8(`value ${i} `.repeat(20)),
      headers: [{ name: "h", value: utf8(String(i)) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const bytes = encodeRecordBatch(records, { compression: Compression.zstd });
    const decoded = decodeRecordBatch(bytes);
    expect(decoded.header.compression).toBe(Compression.zstd);
    expect(decoded.records.map((r) => r.value)).toEqual(records.map((r) => r.value));
  });

  it.skipIf(!hasZstdCli())("the reference zstd tool reads our frames and we read its frames (streamed too)", () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-zstd-"));
    try {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300_000 }), (data) => {
          writeFileSync(join(dir, "ours.zst"), compress(Compression.zstd, data));
          expect(new Uint8Array(execFileSync("zstd", ["-d", "-c", "-q", join(dir, "ours.zst")]))).toEqual(data);
          writeFileSync(join(dir, "plain"), data);
          execFileSync("zstd", ["-q", "-f", "-19", join(dir, "plain"), "-o", join(dir, "ref.zst")]);
          expect(decompress(Compression.zstd, new Uint8Array(readFileSync(join(dir, "ref.zst"))))).toEqual(data);
          // from a pipe the tool does not know the size: no content size in the frame
          const streamed = new Uint8Array(execFileSync("zstd", ["-q", "-c", "--no-content-size"], { input: data }));
          expect(decompress(Compression.zstd, streamed)).toEqual(data);
        }),
        { numRuns: 10 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
