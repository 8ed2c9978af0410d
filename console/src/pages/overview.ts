/**
 * Overview: every topic with its partitions, records and bytes and its produce and consume rates (sampled from
 * offsets every few seconds), every group with its total lag, and what /metrics says of maintenance when the
 * server serves it.
 */
import { html } from "htm/preact";
import { pathOf } from "../../../lib/console/routes.js";
import { api, type Group, serverMetrics, type Topic } from "../api.js";
import { formatBytes, type MetricSample, maintenanceSamples, parsePrometheus, storedBytes } from "../prometheus.js";
import { consumed, formatRate, produced } from "../rates.js";
import { fmt, ProblemBox, usePoll, useTitle } from "../ui/common.js";

export interface Snapshot {
  topics: Topic[];
  groups: Group[];
  metrics: MetricSample[] | undefined;
}

/** Everything the overview shows, read over the API; also feeds the rate series. */
export async function snapshot(): Promise<Snapshot> {
  const [names, groupNames, metricsText] = await Promise.all([api.listTopics(), api.listGroups(), serverMetrics()]);
  const [topics, groups] = await Promise.all([
    Promise.all(names.map((n) => api.topic(n).catch(() => undefined))),
    Promise.all(groupNames.map((g) => api.group(g).catch(() => undefined))),
  ]);
  const now = Date.now();
  const found = topics.filter((t): t is Topic => t !== undefined);
  for (const t of found)
    produced.add(
      t.name,
      t.partitions.reduce((n, p) => n + p.highWatermark, 0),
      now,
    );
  const live = groups.filter((g): g is Group => g !== undefined);
  const committed = new Map<string, number>();
  for (const g of live) {
    for (const o of g.offsets) committed.set(o.topic, (committed.get(o.topic) ?? 0) + (o.offset ?? 0));
  }
  for (const [topic, sum] of committed) consumed.add(topic, sum, now);
  return { topics: found, groups: live, metrics: metricsText === undefined ? undefined : parsePrometheus(metricsText) };
}

export const recordsIn = (t: Topic) => t.partitions.reduce((n, p) => n + (p.highWatermark - p.logStartOffset), 0);
export const totalLag = (g: Group) => g.offsets.reduce((n, o) => n + (o.lag ?? 0), 0);

export function TopicsTable({ topics, metrics }: { topics: Topic[]; metrics: MetricSample[] | undefined }) {
  if (topics.length === 0) return html`<p>No topics yet. <a href=${pathOf("/console/topics")}>Create one</a>.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Topics">
    <table>
      <thead>
        <tr>
          <th scope="col">Topic</th>
          <th scope="col" class="num">Partitions</th>
          <th scope="col" class="num">Records</th>
          <th scope="col" class="num">Bytes</th>
          <th scope="col" class="num">Produce rate</th>
          <th scope="col" class="num">Consume rate</th>
        </tr>
      </thead>
      <tbody>
        ${topics.map(
          (t) => html`<tr key=${t.name}>
            <th scope="row"><a href=${pathOf("/console/topics/:topic", { topic: t.name })}>${t.name}</a></th>
            <td class="num">${t.partitions.length}</td>
            <td class="num">${fmt(recordsIn(t))}</td>
            <td class="num">${formatBytes(metrics && storedBytes(metrics, t.name))}</td>
            <td class="num">${formatRate(produced.rate(t.name))}</td>
            <td class="num">${consumed.history(t.name).length ? formatRate(consumed.rate(t.name)) : "no group"}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function GroupsTable({ groups }: { groups: Group[] }) {
  if (groups.length === 0) return html`<p>No consumer groups yet.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Consumer groups">
    <table>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">State</th>
          <th scope="col" class="num">Members</th>
          <th scope="col" class="num">Total lag</th>
        </tr>
      </thead>
      <tbody>
        ${groups.map(
          (g) => html`<tr key=${g.group}>
            <th scope="row"><a href=${pathOf("/console/groups/:group", { group: g.group })}>${g.group}</a></th>
            <td>${g.state}</td>
            <td class="num">${g.members.length}</td>
            <td class="num">${fmt(totalLag(g))}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function Maintenance({ metrics }: { metrics: MetricSample[] | undefined }) {
  if (metrics === undefined)
    return html`<p class="muted">
      This server does not serve <code>GET /metrics</code>, so the console cannot say when maintenance last ran.
      The local server runs it every minute (<code>STRATA_MAINTENANCE_INTERVAL_MS</code>).
    </p>`;
  const samples = maintenanceSamples(metrics);
  if (samples.length === 0) return html`<p class="muted">No maintenance has been reported yet.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Maintenance">
    <table>
      <thead>
        <tr><th scope="col">Metric</th><th scope="col">Labels</th><th scope="col" class="num">Value</th></tr>
      </thead>
      <tbody>
        ${samples.map(
          (s, i) => html`<tr key=${i}>
            <td><code>${s.name}</code></td>
            <td>${Object.entries(s.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")}</td>
            <td class="num">${/timestamp|_time|last_run/i.test(s.name) && s.value > 1e9 ? new Date(s.value * (s.value < 1e11 ? 1000 : 1)).toISOString() : fmt(s.value)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function OverviewPage() {
  useTitle("Overview");
  const { data, error, loading } = usePoll(snapshot, 5000, []);
  return html`<h1>Overview</h1>
    <${ProblemBox} error=${error} />
    ${loading && !data ? html`<p aria-busy="true">Loading…</p>` : null}
    ${
      data
        ? html`<section aria-labelledby="ov-topics">
              <h2 id="ov-topics">Topics</h2>
              <${TopicsTable} topics=${data.topics} metrics=${data.metrics} />
              <p class="muted">Rates are measured here, from offsets read every 5 s while this page is open.</p>
            </section>
            <section aria-labelledby="ov-groups">
              <h2 id="ov-groups">Consumer groups</h2>
              <${GroupsTable} groups=${data.groups} />
            </section>
            <section aria-labelledby="ov-maintenance">
              <h2 id="ov-maintenance">Maintenance</h2>
              <${Maintenance} metrics=${data.metrics} />
            </section>`
        : null
    }`;
}
