/**
 * What the web console computes in the browser from API answers (console/src): rates from offsets sampled over
 * time, how a fetched field is shown (hex for bytes that are not UTF-8), and what it reads from /metrics.
 */
import { describe, expect, it } from "vitest";
import { show } from "../../../console/src/bytes.js";
import { parsePrometheus, storedBytes } from "../../../console/src/prometheus.js";
import { Series } from "../../../console/src/rates.js";

describe("rates from sampled offsets", () => {
  it("is unknown until two samples span time, then counts per second over the last minute", () => {
    const s = new Series();
    s.add("t", 100, 1_000);
    expect(s.rate("t")).toBeUndefined();
    s.add("t", 150, 6_000);
    expect(s.rate("t")).toBe(10);
    s.add("t", 150, 70_000); // the first sample left the minute: 0 records over the last 64 s
    expect(s.rate("t")).toBe(0);
  });

  it("starts again when a counter goes back (a topic re-created, offsets reset), never a negative rate", () => {
    const s = new Series();
    s.add("t", 500, 1_000);
    s.add("t", 10, 2_000);
    expect(s.rate("t")).toBeUndefined();
    s.add("t", 30, 4_000);
    expect(s.rate("t")).toBe(10);
  });

  it("keeps every value of a series that may go down (lag) when asked to", () => {
    const s = new Series();
    s.add("g", 4, 1_000, false);
    s.add("g", 2, 2_000, false);
    expect(s.history("g").map((x) => x.value)).toEqual([4, 2]);
  });
});

describe("a fetched field as shown", () => {
  it("shows bytes the answer sent as base64 (not UTF-8) as hex, in every view", () => {
    for (const view of ["text", "json", "hex"] as const) {
      expect(show(Buffer.from([0xff, 0x00, 0xfe]).toString("base64"), true, view)).toMatchObject({
        text: "ff 00 fe",
        binary: true,
      });
    }
  });

  it("pretty-prints JSON when asked, and leaves text that is not JSON as it is", () => {
    expect(show('{"a":[1]}', false, "json").text).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(show("plain", false, "json")).toEqual({ text: "plain", binary: false });
    expect(show("é", false, "hex").text).toBe("c3 a9");
    expect(show(null, false, "text").as).toBe("null");
  });
});

describe("what /metrics says, when the server serves it", () => {
  it("reads labelled samples and sums a topic's stored bytes over its partitions", () => {
    const samples = parsePrometheus(
      [
        "# HELP strata_stored_bytes bytes stored per partition",
        "# TYPE strata_stored_bytes gauge",
        'strata_stored_bytes{topic="orders",partition="0"} 100',
        'strata_stored_bytes{topic="orders",partition="1"} 50',
        'strata_stored_bytes{topic="other",partition="0"} 7',
        'strata_produce_bytes_total{topic="orders"} 999',
      ].join("\n"),
    );
    expect(samples).toHaveLength(4);
    expect(storedBytes(samples, "orders")).toBe(150);
    expect(storedBytes(samples, "orders", 1)).toBe(50);
    expect(storedBytes(samples, "missing")).toBeUndefined();
  });
});
