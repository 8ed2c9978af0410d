/**
 * Request strings -> bytes: base64 text is accepted exactly when it matches the strict pattern (the standard
 * alphabet, padded to a multiple of 4), and gives the bytes Buffer.from decodes, however the check is done.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBytes } from "../../../lib/api/codec.js";
import { InvalidArgumentError } from "../../../lib/errors.js";

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const decoded = (text: string) => {
  try {
    return decodeBytes(text, "base64", "records[0].value");
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).message).toBe("records[0].value: not valid base64");
    return "refused";
  }
};

describe("base64 request strings", () => {
  it("decode canonical base64 of any bytes back to those bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decoded(Buffer.from(bytes).toString("base64"))).toEqual(new Uint8Array(bytes));
      }),
    );
  });

  it("are accepted exactly when they match the strict pattern, with Buffer.from's bytes", () => {
    const chars = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.é");
    const text = fc.oneof(
      fc.string({ unit: chars, maxLength: 40 }),
      // canonical text with one character changed: non-canonical padding bits, stray padding, foreign characters
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), chars).map(([bytes, at, c]) => {
        const t = Buffer.from(bytes).toString("base64");
        const i = at % t.length;
        return t.slice(0, i) + c + t.slice(i + 1);
      }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(decoded(t)).toEqual(STRICT_BASE64.test(t) ? new Uint8Array(Buffer.from(t, "base64")) : "refused");
      }),
      { numRuns: 2000 },
    );
  });

  it("accept non-canonical padding bits as the pattern does (QR== is A)", () => {
    expect(decoded("QR==")).toEqual(new Uint8Array([0x41]));
    expect(decoded("QQ=")).toBe("refused");
    expect(decoded("")).toEqual(new Uint8Array(0));
  });
});
