/**
 * The record browser of one topic: a partition and a start (earliest, an offset, a time, or the last N), keys,
 * values and headers shown as text, pretty JSON or hex (always hex for bytes that are not UTF-8), a key filter
 * over what is loaded, a live tail (tail.ts: SSE when the server offers it, long polling otherwise), and a
 * produce form. Every read is GET .../partitions/{p}/records, every write POST .../records.
 */
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { pathOf } from "../../../lib/console/routes.js";
import { ApiError, api, type FetchedRecord, type Problem, type Topic } from "../api.js";
import { show, type View } from "../bytes.js";
import { startTail, type TailMode } from "../tail.js";
import { FieldError, invalidProps, ProblemBox, problemOf, time, useTitle } from "../ui/common.js";
import { ProduceForm } from "./produce.js";

type Start = "earliest" | "offset" | "time" | "last";
const KEEP = 1000;

export function RecordsPage({ name }: { name: string }) {
  useTitle(`Records of ${name}`);
  const [topic, setTopic] = useState<Topic | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [partition, setPartition] = useState(0);
  const [start, setStart] = useState<Start>("earliest");
  const [offset, setOffset] = useState("0");
  const [when, setWhen] = useState("");
  const [lastN, setLastN] = useState("20");
  const [max, setMax] = useState("100");
  const [view, setView] = useState<View>("text");
  const [keyFilter, setKeyFilter] = useState("");
  const [records, setRecords] = useState<FetchedRecord[]>([]);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [hw, setHw] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState("");
  const [tail, setTail] = useState<{ mode: TailMode; error?: Problem } | undefined>(undefined);
  const stopTail = useRef<(() => void) | undefined>(undefined);

  const describe = async () => {
    try {
      const t = await api.topic(name);
      setTopic(t);
      return t;
    } catch (e) {
      setLoadError(e);
      return undefined;
    }
  };
  useEffect(() => {
    void describe();
    return () => stopTail.current?.();
  }, [name]);

  const stop = () => {
    stopTail.current?.();
    stopTail.current = undefined;
    setTail(undefined);
  };

  const load = async (from?: number) => {
    setError(undefined);
    const t = await describe();
    if (!t) return;
    const p = t.partitions.find((x) => x.partition === partition);
    const limit = Math.max(1, Math.min(10_000, Number(max) || 100));
    const query: Record<string, string | number> = { maxRecords: limit, maxWaitMs: 0 };
    if (from !== undefined) query.offset = from;
    else if (start === "earliest") query.offset = "earliest";
    else if (start === "offset") query.offset = offset.trim();
    else if (start === "time") query.timestamp = new Date(when).getTime();
    else {
      const n = Math.max(1, Number(lastN) || 1);
      query.offset = Math.max(p?.logStartOffset ?? 0, (p?.highWatermark ?? 0) - n);
      query.maxRecords = Math.min(n, 10_000);
    }
    if (start === "time" && from === undefined && Number.isNaN(query.timestamp)) {
      setError(new ApiError({ title: "Pick a date and time", status: 400 }));
      return;
    }
    try {
      const answer = await api.fetch(name, partition, query);
      setRecords(from === undefined ? answer.records : [...records, ...answer.records].slice(-KEEP));
      setNext(answer.nextOffset);
      setHw(answer.highWatermark);
      setStatus(
        `${from === undefined ? "Loaded" : "Added"} ${answer.records.length} record${answer.records.length === 1 ? "" : "s"} of partition ${partition}; next offset ${answer.nextOffset}, high watermark ${answer.highWatermark}.`,
      );
    } catch (e) {
      setError(e);
    }
  };

  const toggleTail = () => {
    if (stopTail.current) return stop();
    const p = topic?.partitions.find((x) => x.partition === partition);
    const from = next ?? p?.highWatermark ?? 0;
    setTail({ mode: "connecting" });
    stopTail.current = startTail(name, partition, from, {
      records: (fresh) => {
        setRecords((old) => [...old, ...fresh].slice(-KEEP));
        setNext(fresh[fresh.length - 1]!.offset + 1);
        setStatus(`Live: ${fresh.length} new record${fresh.length === 1 ? "" : "s"} at offset ${fresh[0]!.offset}.`);
      },
      state: (mode, err) => setTail({ mode, ...(err ? { error: err } : {}) }),
    });
  };

  /** the message for the input the API's problem names (offset, timestamp, maxRecords), if it is on screen */
  const fieldError = (field: string): string | undefined => {
    if (!error) return undefined;
    const p = problemOf(error);
    const shown = { offset: start === "offset", timestamp: start === "time", maxRecords: start !== "last" };
    return p.field === field && shown[field as keyof typeof shown] ? (p.detail ?? p.title) : undefined;
  };
  const needle = keyFilter.trim();
  const shown = needle
    ? records.filter(
        (r) => r.key !== null && show(r.key, r.base64?.includes("key") ?? false, "text").text.includes(needle),
      )
    : records;

  if (loadError) return html`<h1>Records of <span class="name">${name}</span></h1><${ProblemBox} error=${loadError} />`;
  return html`<p class="crumbs">
      <a href="/console/topics">Topics</a> / <a href=${pathOf("/console/topics/:topic", { topic: name })}>${name}</a> /
    </p>
    <h1>Records of <span class="name">${name}</span></h1>
    <section aria-labelledby="browse">
      <h2 id="browse">Browse</h2>
      <form
        class="form-grid"
        onSubmit=${(e: Event) => {
          e.preventDefault();
          stop();
          void load();
        }}
      >
        <div class="field">
          <label for="rb-partition">Partition</label>
          <select id="rb-partition" value=${partition} onChange=${(e: Event) => {
            stop();
            setPartition(Number((e.target as HTMLSelectElement).value));
          }}>
            ${(topic?.partitions ?? [{ partition: 0 }]).map((p) => html`<option value=${p.partition}>${p.partition}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="rb-start">Start at</label>
          <select id="rb-start" value=${start} onChange=${(e: Event) => setStart((e.target as HTMLSelectElement).value as Start)}>
            <option value="earliest">The earliest record</option>
            <option value="offset">An offset</option>
            <option value="time">A time</option>
            <option value="last">The last N records</option>
          </select>
        </div>
        ${
          start === "offset"
            ? html`<div class="field"><label for="rb-offset">Offset</label>
            <input ...${invalidProps("rb-offset", fieldError("offset"))} inputmode="numeric" value=${offset} onInput=${(e: Event) => setOffset((e.target as HTMLInputElement).value)} />
            <${FieldError} id="rb-offset" error=${fieldError("offset")} /></div>`
            : null
        }
        ${
          start === "time"
            ? html`<div class="field"><label for="rb-time">Time (your local time)</label>
            <input ...${invalidProps("rb-time", fieldError("timestamp"))} type="datetime-local" step="1" value=${when} onInput=${(e: Event) => setWhen((e.target as HTMLInputElement).value)} />
            <${FieldError} id="rb-time" error=${fieldError("timestamp")} /></div>`
            : null
        }
        ${
          start === "last"
            ? html`<div class="field"><label for="rb-last">N</label>
            <input id="rb-last" type="number" min="1" inputmode="numeric" value=${lastN} onInput=${(e: Event) => setLastN((e.target as HTMLInputElement).value)} /></div>`
            : null
        }
        ${
          start !== "last"
            ? html`<div class="field"><label for="rb-max">At most</label>
            <input ...${invalidProps("rb-max", fieldError("maxRecords"))} type="number" min="1" max="10000" inputmode="numeric" value=${max} onInput=${(e: Event) => setMax((e.target as HTMLInputElement).value)} />
            <${FieldError} id="rb-max" error=${fieldError("maxRecords")} /></div>`
            : null
        }
        <div class="actions"><button type="submit" class="primary">Load records</button></div>
      </form>
      <div class="form-grid">
        <fieldset class="field radios">
          <legend>Show keys, values and headers as</legend>
          ${(["text", "json", "hex"] as View[]).map(
            (
              v,
            ) => html`<label><input type="radio" name="rb-view" value=${v} checked=${view === v} onChange=${() => setView(v)} />
              ${v === "text" ? "Text" : v === "json" ? "Pretty JSON" : "Hex"}</label>`,
          )}
        </fieldset>
        <div class="field">
          <label for="rb-key">Filter by key</label>
          <input id="rb-key" type="search" aria-describedby="rb-key-hint" value=${keyFilter} onInput=${(e: Event) => setKeyFilter((e.target as HTMLInputElement).value)} />
          <p class="hint" id="rb-key-hint">Keeps the loaded records whose key contains this text.</p>
        </div>
        <div class="actions">
          <button type="button" aria-pressed=${tail ? "true" : "false"} onClick=${toggleTail}>
            ${tail ? "Stop live tail" : "Start live tail"}
          </button>
          ${next !== undefined && hw !== undefined && next < hw && !tail ? html`<button type="button" onClick=${() => load(next)}>Load more</button>` : null}
        </div>
      </div>
      ${
        tail
          ? html`<p class="tail-state" role="status">Live tail of partition ${partition}: ${
              tail.mode === "connecting"
                ? "connecting…"
                : tail.mode === "sse"
                  ? "streaming (server-sent events)"
                  : "polling (this server has no event stream)"
            }${tail.error ? `, ${tail.error.title}${tail.error.detail ? `: ${tail.error.detail}` : ""}` : ""}</p>`
          : null
      }
      ${error && !fieldError(problemOf(error).field ?? "") ? html`<${ProblemBox} error=${error} />` : null}
      <p role="status" class="muted">${status}</p>
      <${RecordList} records=${shown} view=${view} total=${records.length} partition=${partition} />
    </section>
    ${topic ? html`<${ProduceForm} topic=${topic} onProduced=${() => void describe()} />` : null}`;
}

function RecordList({
  records,
  view,
  total,
  partition,
}: {
  records: FetchedRecord[];
  view: View;
  total: number;
  partition: number;
}) {
  if (total === 0) return html`<p class="muted">No records loaded.</p>`;
  if (records.length === 0) return html`<p class="muted">No loaded record matches the key filter.</p>`;
  return html`<ol class="records" aria-label=${`Records of partition ${partition}`}>
    ${records.map((r) => html`<li key=${r.offset}><${RecordView} record=${r} view=${view} /></li>`)}
  </ol>`;
}

function Field({ label, value, binary, view }: { label: string; value: string | null; binary: boolean; view: View }) {
  const s = show(value, binary, view);
  return html`<div class="rec-field">
    <dt>${label}${s.binary ? html` <span class="badge">bytes, not UTF-8: hex</span>` : s.as === "json" ? html` <span class="badge">JSON</span>` : s.as === "hex" ? html` <span class="badge">hex</span>` : null}</dt>
    <dd><pre class=${s.as === "null" ? "null" : ""}>${s.text}</pre></dd>
  </div>`;
}

function RecordView({ record, view }: { record: FetchedRecord; view: View }) {
  const b = new Set(record.base64 ?? []);
  return html`<article class="record" aria-label=${`Record at offset ${record.offset}`}>
    <header><strong>Offset ${record.offset}</strong> <span class="muted">${time(record.timestamp)}</span></header>
    <dl>
      <${Field} label="Key" value=${record.key} binary=${b.has("key")} view=${view} />
      <${Field} label="Value" value=${record.value} binary=${b.has("value")} view=${view} />
      ${record.headers.map(
        (h, i) =>
          html`<${Field} label=${`Header ${h.name}`} value=${h.value} binary=${b.has(`headers[${i}]`)} view=${view} />`,
      )}
    </dl>
  </article>`;
}
