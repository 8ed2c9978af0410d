/**
 * GET /metrics on a running server after real traffic over HTTP (produce, fetch, a long poll, a group commit, the
 * server's own maintenance runs): the answer is valid Prometheus text, every catalogue metric is declared under
 * its Prometheus name, and the figures are the ones the traffic made.
 */
import { afterEach, describe, expect, it } from "vitest";
import { METRIC_NAMES, METRICS, prometheusName } from "../../lib/metrics/catalogue.js";
import { parsePrometheusText } from "../support/prometheus-text.js";
import { client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("GET /metrics", () => {
  it("reports the traffic a server has seen, in Prometheus text under the catalogue's names", async () => {
    server = await startTestServer({ maintenanceIntervalMs: 100, metricsCacheMs: 0 });
    const api = client(server.url);
    expect((await api.post("/v1/topics", { name: "orders", partitions: 2 })).status).toBe(201);
    const records = [1, 2, 3].map((i) => ({ value: `order ${i}` }));
    expect((await api.post("/v1/topics/orders/partitions/0/records", { records })).status).toBe(200);
    // concurrent produces to one partition: the commits that lose the race are retried
    await Promise.all(
      Array.from({ length: 8 }, () =>
        api.post("/v1/topics/orders/partitions/1/records", { records: [{ value: "x" }] }),
      ),
    );
    const fetched = await api.get("/v1/topics/orders/partitions/0/records?offset=0");
    expect(fetched.body.records).toHaveLength(3);
    const commit = { offsets: [{ topic: "orders", partition: 0, offset: 1 }] };
    expect((await api.post("/v1/groups/billing/offsets", commit)).status).toBe(200);
    expect((await api.get("/v1/nowhere")).status).toBe(404);

    // a long poll waiting now
    const polling = api.get("/v1/topics/orders/partitions/1/records?offset=8&maxWaitMs=10000");
    const waiting = await until(
      () => scrape(server!.url),
      (m) => m.value("strata_waiting_fetches") === 1,
    );
    expect(waiting.value("strata_waiting_fetches")).toBe(1);
    await api.post("/v1/topics/orders/partitions/1/records", { records: [{ value: "wake" }] });
    expect((await polling).body.records).toHaveLength(1);

    const m = await until(
      () => scrape(server!.url),
      (m) => (m.value("strata_maintenance_runs_total") ?? 0) >= 2,
    );
    // every catalogue metric is declared with its type and help
    for (const name of METRIC_NAMES) {
      expect(m.types.get(prometheusName(name)), name).toBe(METRICS[name].kind);
      expect(m.help.get(prometheusName(name)), name).toContain(`CloudWatch: ${name}`);
    }
    expect(m.value("strata_produce_records_total", { topic: "orders" })).toBe(3 + 8 + 1);
    const producedBytes = m.value("strata_produce_bytes_total", { topic: "orders" })!;
    expect(producedBytes).toBeGreaterThan(10 * 61); // ten batches; a batch header alone is 61 bytes
    expect(m.value("strata_fetch_records_total", { topic: "orders" })).toBe(3 + 1);
    expect(m.value("strata_fetch_bytes_total", { topic: "orders" })).toBe(3 * "order 1".length + "wake".length);
    expect(m.value("strata_stored_bytes", { topic: "orders" })).toBe(producedBytes);
    expect(m.value("strata_consumer_lag", { group: "billing", topic: "orders", partition: "0" })).toBe(2);
    expect(m.value("strata_waiting_fetches")).toBe(0);
    expect(m.value("strata_commit_conflicts_total")).toBeGreaterThanOrEqual(0);
    expect(m.value("strata_commit_retries_total")).toBeGreaterThanOrEqual(m.value("strata_commit_conflicts_total")!);
    expect(m.value("strata_maintenance_jobs_total", { kind: "sweep" })).toBeGreaterThanOrEqual(1);

    const produce = { route: "/v1/topics/:topic/partitions/:partition/records", method: "POST", status: "200" };
    expect(m.value("strata_http_requests_total", produce)).toBe(1 + 8 + 1);
    expect(m.value("strata_http_request_duration_seconds_count", produce)).toBe(1 + 8 + 1);
    expect(m.value("strata_http_request_duration_seconds_bucket", { ...produce, le: "+Inf" })).toBe(1 + 8 + 1);
    expect(m.value("strata_http_request_duration_seconds_sum", produce)).toBeGreaterThan(0);
    expect(m.value("strata_http_requests_total", { route: "unmatched", method: "GET", status: "404" })).toBe(1);
    const poll = { route: "/v1/topics/:topic/partitions/:partition/records", method: "GET", status: "200" };
    // the long poll waited: at least its bucket below 0.025 s stays short of the count
    expect(m.value("strata_http_request_duration_seconds_count", poll)).toBe(2);
    expect(m.value("strata_http_request_duration_seconds_bucket", { ...poll, le: "0.025" })).toBeLessThan(2);
  });

  it("reads storage for its gauges at most once per cache period, and follows a deleted topic", async () => {
    server = await startTestServer({ maintenanceIntervalMs: 0, metricsCacheMs: 60_000 });
    const api = client(server.url);
    await api.post("/v1/topics", { name: "t", partitions: 1 });
    await api.post("/v1/topics/t/partitions/0/records", { records: [{ value: "a" }, { value: "b" }] });
    await api.post("/v1/groups/g/offsets", { offsets: [{ topic: "t", partition: 0, offset: 0 }] });
    const first = await scrape(server.url);
    expect(first.value("strata_consumer_lag", { group: "g", topic: "t", partition: "0" })).toBe(2);
    await api.post("/v1/groups/g/offsets", { offsets: [{ topic: "t", partition: 0, offset: 2 }] });
    const cached = await scrape(server.url);
    expect(cached.value("strata_consumer_lag", { group: "g", topic: "t", partition: "0" })).toBe(2);
    expect(cached.value("strata_produce_records_total", { topic: "t" })).toBe(2); // counters are never cached
    await server.dispose();

    server = await startTestServer({ maintenanceIntervalMs: 0, metricsCacheMs: 0 });
    const fresh = client(server.url);
    await fresh.post("/v1/topics", { name: "gone", partitions: 1 });
    await fresh.post("/v1/topics/gone/partitions/0/records", { records: [{ value: "a" }] });
    expect((await scrape(server.url)).value("strata_stored_bytes", { topic: "gone" })).toBeGreaterThan(0);
    await fresh.delete("/v1/topics/gone");
    expect((await scrape(server.url)).value("strata_stored_bytes", { topic: "gone" })).toBeUndefined();
  });
});
