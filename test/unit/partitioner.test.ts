/** Kafka's default partitioner, checked against the values in Kafka's own UtilsTest.testMurmur2. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../lib/errors.js";
import { murmur2, partitionForKey, toPositive } from "../../lib/log/partitioner.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("murmur2", () => {
  it("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    const cases: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(utf8(key)), key).toBe(hash);
  });

  it("hashes the empty key (value from an independent Kafka-compatible implementation)", () => {
    expect(murmur2(new Uint8Array(0))).toBe(275646681);
  });

  it("is a signed 32-bit integer for any input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (key) => {
        const h = murmur2(key);
        expect(h).toBe(h | 0);
      }),
    );
  });
});

describe("partitionForKey", () => {
  it("toPositive clears the sign bit like Kafka (not Math.abs)", () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
  });

  it("is toPositive(murmur2(key)) % partitions, always in range", () => {
    expect(partitionForKey(utf8("21"), 3)).toBe((-973932308 & 0x7fffffff) % 3);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        const p = partitionForKey(key, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(p).toBe(toPositive(murmur2(key)) % n);
      }),
    );
  });

  it("refuses a partition count that is not a positive integer", () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => partitionForKey(utf8("k"), n)).toThrow(InvalidArgumentError);
  });
});
