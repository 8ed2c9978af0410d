/**
 * The JSON text check behind every JSON body (lib/api/json.ts): duplicate members, `__proto__` and unsafe
 * numbers, each named by its path; strings, escapes and nesting read right; linear in the text, so a 4 MiB body
 * costs about what JSON.parse does.
 */
import { describe, expect, it } from "vitest";
import { checkJsonText } from "../../../lib/api/json.js";
import type { InvalidArgumentError } from "../../../lib/errors.js";

const fieldOf = (text: string): string | undefined => {
  JSON.parse(text); // the check runs only on text JSON.parse accepted
  try {
    checkJsonText(text);
    return undefined;
  } catch (e) {
    return (e as InvalidArgumentError).field;
  }
};

describe("checkJsonText", () => {
  it("names a member given twice by its path, at any depth", () => {
    expect(fieldOf('{"a": 1, "a": 2}')).toBe("a");
    expect(fieldOf('{"records": [{"v": 1}, {"v": 1}, {"k": [], "v": 2, "k": {}}]}')).toBe("records[2].k");
    expect(fieldOf('{"config": {"retention.ms": 1, "retention.ms": 1}}')).toBe("config.retention.ms");
    expect(fieldOf('[[1, 2], [3, {"x": {"y": 1, "y": 1}}]]')).toBe("[1][1].x.y");
    expect(fieldOf('{"\\u0061": 1, "a": 2}')).toBe("a"); // one name, written two ways
  });

  it("sees that the same name in different objects, or inside strings, is no duplicate", () => {
    expect(fieldOf('{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}')).toBeUndefined();
    expect(fieldOf('{"a": "\\"a\\": 1, ", "b": "\\\\", "c": "x\\\\\\"y"}')).toBeUndefined();
    expect(fieldOf('{"a\\"": 1, "a": 2, "a\\\\": 3}')).toBeUndefined();
    const many = `{${Array.from({ length: 1000 }, (_, i) => `"k${i}": ${i}`).join(", ")}}`;
    expect(fieldOf(many)).toBeUndefined();
    expect(fieldOf(`${many.slice(0, -1)}, "k999": 0}`)).toBe("k999");
  });

  it("names a __proto__ member wherever it is", () => {
    expect(fieldOf('{"__proto__": {}}')).toBe("__proto__");
    expect(fieldOf('{"config": {"__proto__": {"x": 1}}}')).toBe("config.__proto__");
    expect(fieldOf('{"a": [{"__pr\\u006fto__": null}]}')).toBe("a[0].__proto__");
    expect(fieldOf('{"a": "__proto__", "__proto": 1}')).toBeUndefined();
  });

  it("names a number past 2^53-1 and lets safe ones and fractions through", () => {
    expect(fieldOf('{"offset": 9007199254740993}')).toBe("offset");
    expect(fieldOf('{"offset": 9007199254740992}')).toBe("offset");
    expect(fieldOf('{"a": [1, -9007199254740992]}')).toBe("a[1]");
    expect(fieldOf('{"a": 1e16}')).toBe("a");
    expect(fieldOf('{"a": 1E+300}')).toBe("a");
    expect(fieldOf("12345678901234567890")).toBe("body");
    expect(
      fieldOf('{"a": 9007199254740991, "b": -9007199254740991, "c": 0.000000000000001, "d": 1e3}'),
    ).toBeUndefined();
  });

  it("costs about what JSON.parse does on a 4 MiB body of 10,000 records", () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      key: `key-${i}`,
      value: `${"v".repeat(380)}\\"${i}`,
      headers: [{ name: "trace", value: `t-${i}` }],
      partition: i % 8,
      timestamp: 1_700_000_000_000 + i,
    }));
    const text = JSON.stringify({ records, encoding: "utf8" });
    expect(text.length).toBeGreaterThan(4_000_000);
    const time = (fn: () => void) => {
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 7; run++) {
        const start = performance.now();
        fn();
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    const parse = time(() => JSON.parse(text));
    const check = time(() => checkJsonText(text));
    console.log(
      `4 MiB body: JSON.parse ${parse.toFixed(1)} ms, check ${check.toFixed(1)} ms, ratio ${(check / parse).toFixed(2)}`,
    );
    // generous: the machine is shared and noisy
    expect(check).toBeLessThan(parse * 5 + 20);
  });
});
