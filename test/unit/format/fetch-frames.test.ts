/** The binary answer of POST /v1/fetch: frames round-trip, and a damaged answer is a FormatError, never a RangeError. */
import { describe, expect, it } from "vitest";
import { FormatError } from "../../../lib/format/errors.js";
import { decodeFetchFrames, encodeFetchFrames } from "../../../lib/format/fetch-frames.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("fetch frames", () => {
  const frames = [
    {
      topic: "orders",
      partition: 3,
      offset: 2 ** 40 - 9,
      nextOffset: 2 ** 40,
      highWatermark: 2 ** 40 + 5,
      logStartOffset: 7,
      batches: [bytes(1, 2), bytes(3)],
    },
    {
      topic: "été",
      partition: 0,
      offset: -1,
      nextOffset: -1,
      highWatermark: -1,
      logStartOffset: -1,
      problem: '{"status":404}',
      batches: [],
    },
    { topic: "empty", partition: 1, offset: 0, nextOffset: 0, highWatermark: 0, logStartOffset: 0, batches: [] },
  ];

  it("round-trip each partition's bounds, problem and batches (joined) in order", () => {
    const decoded = decodeFetchFrames(encodeFetchFrames(frames));
    expect(decoded).toEqual([
      { ...frames[0], batches: bytes(1, 2, 3) },
      { ...frames[1], batches: bytes() },
      { ...frames[2], batches: bytes() },
    ]);
  });

  it("an answer cut anywhere, or with bytes after its last frame, is a FormatError", () => {
    const encoded = encodeFetchFrames(frames);
    for (let n = 0; n < encoded.length; n++) {
      expect(() => decodeFetchFrames(encoded.subarray(0, n)), `cut at ${n}`).toThrow(FormatError);
    }
    const longer = new Uint8Array(encoded.length + 1);
    longer.set(encoded);
    expect(() => decodeFetchFrames(longer)).toThrow(FormatError);
  });
});
