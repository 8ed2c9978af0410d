/**
 * A JSON request body is read as the strict UTF-8 decoder reads it (a leading BOM dropped, anything that is not
 * UTF-8 a 400 naming the body), whichever way the bytes are decoded.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJson } from "../../../lib/api/body.js";
import { checkJsonText } from "../../../lib/api/json.js";
import { InvalidArgumentError } from "../../../lib/errors.js";

const strict = new TextDecoder("utf-8", { fatal: true });

/** What parseJson must give: the strict decoder's text, parsed and checked; or a 400 naming the field. */
function expected(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = strict.decode(bytes);
    JSON.parse(text);
  } catch {
    return "refused: body";
  }
  return refusal(() => {
    checkJsonText(text);
    return JSON.parse(text);
  });
}

function refusal(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    return `refused: ${e.field}`;
  }
}

describe("a JSON request body", () => {
  it("parses as the strict UTF-8 decoder reads it, ASCII or not", () => {
    const text = fc.oneof(
      fc.json(),
      fc.string({ unit: "grapheme" }).map((s) => JSON.stringify({ value: s })),
      fc.string({ unit: "binary" }).map((s) => JSON.stringify([s])),
    );
    const bytes = fc.oneof(
      text.map((t) => new TextEncoder().encode(t)),
      text.map((t) => new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(t)])),
      fc.tuple(text, fc.nat(), fc.integer({ min: 0x80, max: 0xff })).map(([t, at, b]) => {
        const out = new TextEncoder().encode(t);
        if (out.length > 0) out[at % out.length] = b;
        return out;
      }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        expect(refusal(() => parseJson(b))).toEqual(expected(b));
      }),
      { numRuns: 500 },
    );
  });
});
