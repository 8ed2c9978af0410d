/**
 * One consumer group: members with their assignments and epochs, committed offsets and lag per partition, the
 * total lag charted over the time this page has been open, and an offset reset that first shows the offsets it
 * would set (computed here from the partitions' bounds, by the rules the API documents) and applies them only
 * once confirmed.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { pathOf } from "../../../lib/console/routes.js";
import { api, type Group, type ResetTo } from "../api.js";
import { lagHistory } from "../rates.js";
import { fmt, ProblemBox, time, usePoll, useTitle } from "../ui/common.js";
import { LagChart } from "../ui/lag-chart.js";
import { totalLag } from "./overview.js";

async function load(name: string): Promise<Group> {
  const g = await api.group(name);
  lagHistory.add(g.group, totalLag(g), Date.now(), false);
  return g;
}

const tp = (x: { topic: string; partition: number }) => `${x.topic}:${x.partition}`;

export function GroupPage({ name }: { name: string }) {
  useTitle(`Group ${name}`);
  const { data: group, error, refresh } = usePoll(() => load(name), 2000, [name]);
  return html`<p class="crumbs"><a href="/console/groups">Consumer groups</a> /</p>
    <h1>Group <span class="name">${name}</span></h1>
    <${ProblemBox} error=${error} />
    ${
      group
        ? html`<p class="toolbar">
              <span>State: <strong>${group.state}</strong></span>
              <span>Group epoch: <strong>${group.groupEpoch}</strong></span>
              <span>Total lag: <strong data-testid="total-lag">${fmt(totalLag(group))}</strong></span>
              <button type="button" onClick=${refresh}>Refresh</button>
            </p>
            <${Members} group=${group} />
            <${Offsets} group=${group} />
            <section aria-labelledby="lag-chart">
              <h2 id="lag-chart">Lag over time</h2>
              <${LagChart} samples=${lagHistory.history(group.group)} />
            </section>
            <${Reset} group=${group} onDone=${refresh} />`
        : error
          ? null
          : html`<p>Loading…</p>`
    }`;
}

function Members({ group }: { group: Group }) {
  return html`<section aria-labelledby="members">
    <h2 id="members">Members</h2>
    ${
      group.members.length === 0
        ? html`<p class="muted">No live members.</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Members">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col" class="num">Epoch</th>
                  <th scope="col">Assigned</th>
                  <th scope="col">Revoking</th>
                  <th scope="col">Lease until</th>
                </tr>
              </thead>
              <tbody>
                ${group.members.map(
                  (m) => html`<tr key=${m.memberId}>
                    <th scope="row"><code>${m.memberId}</code></th>
                    <td class="num">${m.memberEpoch}</td>
                    <td>${m.assignments.map(tp).join(", ") || "none"}</td>
                    <td>${(m.revoking ?? []).map(tp).join(", ") || "none"}</td>
                    <td>${m.leaseExpiresAt ? time(m.leaseExpiresAt) : "—"}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function Offsets({ group }: { group: Group }) {
  return html`<section aria-labelledby="offsets">
    <h2 id="offsets">Committed offsets and lag</h2>
    ${
      group.offsets.length === 0
        ? html`<p class="muted">Nothing committed yet.</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Committed offsets">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Committed</th>
                  <th scope="col" class="num">High watermark</th>
                  <th scope="col" class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                ${group.offsets.map(
                  (o) => html`<tr key=${tp(o)} data-tp=${tp(o)}>
                    <th scope="row"><a href=${pathOf("/console/topics/:topic", { topic: o.topic })}>${o.topic}</a></th>
                    <td class="num">${o.partition}</td>
                    <td class="num">${fmt(o.offset)}</td>
                    <td class="num">${fmt(o.highWatermark)}</td>
                    <td class="num lag">${fmt(o.lag)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

type ToKind = "earliest" | "latest" | "timestamp" | "offset";
interface PlannedOffset {
  topic: string;
  partition: number;
  current: number | null;
  next: number;
}

/** What a reset would set, by the rules of POST /v1/groups/{group}/offsets/reset (docs/API.md). */
async function plan(group: Group, to: ResetTo, topics: string[]): Promise<PlannedOffset[]> {
  const rows: PlannedOffset[] = [];
  for (const name of topics) {
    const topic = await api.topic(name);
    for (const p of topic.partitions) {
      let next: number;
      if (to === "earliest") next = p.logStartOffset;
      else if (to === "latest") next = p.highWatermark;
      else if ("offset" in to) next = Math.min(Math.max(to.offset, p.logStartOffset), p.highWatermark);
      else {
        const found = await api.fetch(name, p.partition, { timestamp: to.timestamp, maxRecords: 1, maxWaitMs: 0 });
        next = found.records[0]?.offset ?? p.highWatermark;
      }
      const current = group.offsets.find((o) => o.topic === name && o.partition === p.partition)?.offset ?? null;
      rows.push({ topic: name, partition: p.partition, current, next });
    }
  }
  return rows;
}

function Reset({ group, onDone }: { group: Group; onDone: () => Promise<void> }) {
  const topics = [...new Set(group.offsets.map((o) => o.topic))].sort();
  const [kind, setKind] = useState<ToKind>("earliest");
  const [value, setValue] = useState("");
  const [chosen, setChosen] = useState<string[] | undefined>(undefined);
  const [preview, setPreview] = useState<PlannedOffset[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState("");
  const selected = chosen ?? topics;
  const target = (): ResetTo | undefined => {
    if (kind === "earliest" || kind === "latest") return kind;
    if (kind === "offset") return /^\d+$/.test(value.trim()) ? { offset: Number(value) } : undefined;
    const ms = new Date(value).getTime();
    return Number.isNaN(ms) ? undefined : { timestamp: ms };
  };
  const changed = (f: () => void) => {
    f();
    setPreview(undefined);
    setDone("");
  };
  const doPreview = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone("");
    const to = target();
    if (!to)
      return setError({
        title: kind === "offset" ? "Give an offset (a whole number)" : "Pick a date and time",
        status: 400,
      });
    if (selected.length === 0) return setError({ title: "Choose at least one topic", status: 400 });
    try {
      setPreview(await plan(group, to, selected));
    } catch (err) {
      setError(err);
    }
  };
  const apply = async () => {
    const to = target();
    if (!to) return;
    setError(undefined);
    try {
      const result = await api.resetOffsets(group.group, to, selected);
      const differs = result.offsets.some(
        (o) => preview?.find((p) => p.topic === o.topic && p.partition === o.partition)?.next !== o.offset,
      );
      setPreview(undefined);
      setDone(
        `Reset applied to ${result.offsets.length} partition${result.offsets.length === 1 ? "" : "s"}: ${result.offsets.map((o) => `${tp(o)} → ${o.offset}`).join(", ")}${differs ? " (records arrived since the preview)" : ""}.`,
      );
      await onDone();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-labelledby="reset">
    <h2 id="reset">Reset offsets</h2>
    ${group.members.length > 0 ? html`<p class="warning">This group has ${group.members.length} live member${group.members.length === 1 ? "" : "s"}: the server refuses a reset until they leave.</p>` : null}
    ${
      topics.length === 0
        ? html`<p class="muted">The group has no committed offsets to reset.</p>`
        : html`<form class="form-grid" onSubmit=${doPreview} novalidate>
            <div class="field">
              <label for="reset-to">Reset to</label>
              <select id="reset-to" value=${kind} onChange=${(e: Event) => changed(() => setKind((e.target as HTMLSelectElement).value as ToKind))}>
                <option value="earliest">The earliest offset</option>
                <option value="latest">The latest offset (skip everything)</option>
                <option value="timestamp">The first record at or after a time</option>
                <option value="offset">An offset</option>
              </select>
            </div>
            ${
              kind === "offset"
                ? html`<div class="field"><label for="reset-offset">Offset</label>
                <input id="reset-offset" inputmode="numeric" aria-describedby="reset-offset-hint" value=${value} onInput=${(e: Event) => changed(() => setValue((e.target as HTMLInputElement).value))} />
                <p class="hint" id="reset-offset-hint">Kept inside each partition's range.</p></div>`
                : null
            }
            ${
              kind === "timestamp"
                ? html`<div class="field"><label for="reset-time">Time (your local time)</label>
                <input id="reset-time" type="datetime-local" step="1" value=${value} onInput=${(e: Event) => changed(() => setValue((e.target as HTMLInputElement).value))} /></div>`
                : null
            }
            <fieldset class="field checks">
              <legend>Topics</legend>
              ${topics.map(
                (t) =>
                  html`<label key=${t}><input type="checkbox" checked=${selected.includes(t)} onChange=${(e: Event) =>
                    changed(() =>
                      setChosen(
                        (e.target as HTMLInputElement).checked ? [...selected, t] : selected.filter((x) => x !== t),
                      ),
                    )} /> ${t}</label>`,
              )}
            </fieldset>
            <div class="actions"><button type="submit">Preview reset</button></div>
          </form>`
    }
    <${ProblemBox} error=${error} />
    ${
      preview
        ? html`<div class="preview" role="region" aria-labelledby="preview-title">
            <h3 id="preview-title">Preview: the offsets group ${group.group} would commit</h3>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Reset preview">
              <table>
                <thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partition</th><th scope="col" class="num">Now</th><th scope="col" class="num">After the reset</th></tr></thead>
                <tbody>
                  ${preview.map(
                    (p) => html`<tr key=${tp(p)} data-tp=${tp(p)}>
                    <th scope="row">${p.topic}</th><td class="num">${p.partition}</td><td class="num">${fmt(p.current)}</td><td class="num next">${fmt(p.next)}</td>
                  </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            <div class="actions">
              <button type="button" onClick=${() => setPreview(undefined)}>Cancel</button>
              <button type="button" class="primary" onClick=${apply}>Apply reset to ${group.group}</button>
            </div>
          </div>`
        : null
    }
    <p role="status" class="ok">${done}</p>
  </section>`;
}
