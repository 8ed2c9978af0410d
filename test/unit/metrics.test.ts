/**
 * Metrics: the EMF lines CloudWatch will parse, what the log counts, and consumer lag per group.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GroupCoordinator } from "../../lib/groups/coordinator.js";
import { consumerLags } from "../../lib/groups/lag.js";
import { createLog } from "../../lib/log/log.js";
import { METRIC_NAMES, prometheusName } from "../../lib/metrics/catalogue.js";
import { reportConsumerLag } from "../../lib/metrics/lag.js";
import { EmfMetrics } from "../../lib/metrics/metrics.js";
import { systemClock } from "../../lib/storage/clock.js";
import { openEmbeddedStorage } from "../../lib/storage/data-dir.js";

function collect() {
  const lines: Record<string, unknown>[] = [];
  const metrics = new EmfMetrics(
    "Strata",
    (l) => lines.push(JSON.parse(l)),
    () => 1_700_000_000_000,
  );
  return { lines, metrics };
}

describe("EmfMetrics", () => {
  it("writes one embedded-metric-format line per dimension set, sums counters, keeps the largest gauge", () => {
    const { lines, metrics } = collect();
    metrics.count("ProduceRecords", 3);
    metrics.count("ProduceRecords", 4);
    metrics.count("ProduceBytes", 100);
    metrics.gauge("ConsumerLag", 5, { Group: "a" });
    metrics.gauge("ConsumerLag", 9);
    metrics.gauge("ConsumerLag", 2);
    metrics.flush();
    expect(lines).toEqual([
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: "Strata",
              Dimensions: [[]],
              Metrics: [
                { Name: "ProduceRecords", Unit: "Count" },
                { Name: "ProduceBytes", Unit: "Bytes" },
                { Name: "ConsumerLag", Unit: "Count" },
              ],
            },
          ],
        },
        ProduceRecords: 7,
        ProduceBytes: 100,
        ConsumerLag: 9,
      },
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: "Strata",
              Dimensions: [["Group"], []],
              Metrics: [{ Name: "ConsumerLag", Unit: "Count" }],
            },
          ],
        },
        Group: "a",
        ConsumerLag: 5,
      },
    ]);
    metrics.flush();
    expect(lines).toHaveLength(2); // nothing new: nothing written
  });
});

describe("what the log and groups report", () => {
  it("counts produced and fetched records and bytes, and reports lag per group", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-metrics-"));
    const storage = await openEmbeddedStorage(dir, { fsync: "never" });
    try {
      const { lines, metrics } = collect();
      const log = createLog({ ledger: storage.ledger, store: storage.store, options: { metrics } });
      await log.createTopic("m", 1);
      await log.produce(
        "m",
        [1, 2, 3].map((i) => ({ key: null, value: new Uint8Array(i), partition: 0 })),
      );
      await log.fetch("m", 0, { offset: 0 });
      const groups = new GroupCoordinator({ ledger: storage.ledger, topics: log, clock: systemClock });
      await groups.commitOffsets("readers", { offsets: [{ topic: "m", partition: 0, offset: 1 }] });
      const lags = await consumerLags(groups);
      reportConsumerLag(lags, metrics);
      expect([...lags]).toEqual([["readers", 2]]);
      metrics.flush();
      const ofTopic = lines.filter((l) => l.Topic === "m");
      expect(Object.assign({}, ...ofTopic)).toMatchObject({ ProduceRecords: 3, FetchRecords: 3, FetchBytes: 6 });
      expect(Object.assign({}, ...ofTopic).ProduceBytes).toBeGreaterThan(61);
      expect(lines.find((l) => l.Group === "readers")).toMatchObject({ ConsumerLag: 2 });
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("docs/OPERATIONS.md", () => {
  it("lists every catalogue metric under both its names", () => {
    const doc = readFileSync(new URL("../../docs/OPERATIONS.md", import.meta.url), "utf8");
    for (const name of METRIC_NAMES) {
      expect(doc, name).toMatch(new RegExp(`\\| \`${prometheusName(name)}\`\\s*\\| \`${name}\`\\s*\\|`));
    }
  });
});
