/** CRC-32C, xxh32 and zigzag varints against published vectors and reference implementations. */
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../lib/format/crc32c.js";
import { FormatError } from "../../../lib/format/errors.js";
import {
  Cursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "../../../lib/format/varint.js";
import { xxh32 } from "../../../lib/format/xxh32.js";
import { utf8 } from "./support.js";

const require = createRequire(import.meta.url);

describe("crc32c", () => {
  it("matches the published check values", () => {
    expect(crc32c(utf8("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("agrees with kafkajs's byte-at-a-time CRC-32C on any range", () => {
    const kafkajsCrc = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C") as (b: Buffer) => number;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length ? a % bytes.length : 0;
        const end = start + (bytes.length ? b % (bytes.length - start + 1) : 0);
        expect(crc32c(bytes, start, end)).toBe(kafkajsCrc(Buffer.from(bytes.subarray(start, end))) >>> 0);
      }),
    );
  });
});

describe("xxh32", () => {
  it("matches the reference vectors and lz4js's implementation", () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(utf8("abc"))).toBe(0x32d153ff);
    const lz4jsXxh = require("lz4js/xxh32.js") as { hash(seed: number, b: Uint8Array, i: number, n: number): number };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(xxh32(b)).toBe(lz4jsXxh.hash(0, b, 0, b.length) >>> 0);
      }),
    );
  });
});

describe("varints", () => {
  it("varint round trip and size for every int32", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        const buf = new Uint8Array(5);
        const end = writeVarint(buf, 0, v);
        expect(end).toBe(sizeOfVarint(v));
        const c = new Cursor(buf, 0, end);
        expect(readVarint(c)).toBe(v);
        expect(c.pos).toBe(end);
      }),
    );
  });

  it("varlong round trip and size for every safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        const buf = new Uint8Array(10);
        const end = writeVarlong(buf, 0, v);
        expect(end).toBe(sizeOfVarlong(v));
        expect(readVarlong(new Cursor(buf, 0, end))).toBe(v);
      }),
    );
  });

  it("known encodings (Kafka's zigzag)", () => {
    const enc = (v: number) => {
      const b = new Uint8Array(10);
      return Array.from(b.subarray(0, writeVarlong(b, 0, v)));
    };
    expect(enc(0)).toEqual([0]);
    expect(enc(-1)).toEqual([1]);
    expect(enc(1)).toEqual([2]);
    expect(enc(63)).toEqual([0x7e]);
    expect(enc(-64)).toEqual([0x7f]);
    expect(enc(64)).toEqual([0x80, 0x01]);
    expect(enc(2 ** 31)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
  });

  it("overlong, oversized and truncated varints are FormatErrors", () => {
    const read = (bytes: number[], long: boolean) => () => {
      const c = new Cursor(new Uint8Array(bytes), 0, bytes.length);
      return long ? readVarlong(c) : readVarint(c);
    };
    expect(read([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], false)).toThrow(FormatError);
    expect(read([0xff, 0xff, 0xff, 0xff, 0x1f], false)).toThrow(FormatError); // more than 32 bits
    expect(read([0x80], false)).toThrow(FormatError);
    expect(read(Array(11).fill(0x80), true)).toThrow(FormatError);
    expect(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], true)).toThrow(/safe integer/);
    expect(read([0x80, 0x80], true)).toThrow(FormatError);
    // Kafka's int32 extremes still read.
    expect(read([0xfe, 0xff, 0xff, 0xff, 0x0f], false)()).toBe(2 ** 31 - 1);
    expect(read([0xff, 0xff, 0xff, 0xff, 0x0f], false)()).toBe(-(2 ** 31));
  });
});
