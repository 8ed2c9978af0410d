/**
 * One topic: its partitions (log start offset, high watermark, records, size when /metrics tells it), its
 * configuration with Kafka's defaults beside each value and an editor whose errors appear next to the field the
 * API names (`config.<key>`), adding partitions, and deleting it after a confirmation that names it.
 */
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { pathOf } from "../../../lib/console/routes.js";
import { api, type Problem, serverMetrics, type Topic } from "../api.js";
import { KAFKA_DEFAULTS } from "../kafka-defaults.js";
import { formatBytes, type MetricSample, parsePrometheus, storedBytes } from "../prometheus.js";
import { formatRate, produced } from "../rates.js";
import { navigate } from "../router.js";
import { FieldError, fmt, invalidProps, ProblemBox, problemOf, usePoll, useTitle } from "../ui/common.js";
import { ConfirmDialog } from "../ui/confirm.js";

async function load(name: string): Promise<{ topic: Topic; metrics: MetricSample[] | undefined }> {
  const [topic, text] = await Promise.all([api.topic(name), serverMetrics()]);
  produced.add(
    topic.name,
    topic.partitions.reduce((n, p) => n + p.highWatermark, 0),
  );
  return { topic, metrics: text === undefined ? undefined : parsePrometheus(text) };
}

export function TopicPage({ name }: { name: string }) {
  useTitle(`Topic ${name}`);
  const { data, error, refresh } = usePoll(() => load(name), 5000, [name]);
  const topic = data?.topic;
  return html`<p class="crumbs"><a href="/console/topics">Topics</a> /</p>
    <h1>Topic <span class="name">${name}</span></h1>
    <${ProblemBox} error=${error} />
    ${
      topic
        ? html`<p class="toolbar">
              <a class="button" href=${pathOf("/console/topics/:topic/records", { topic: name })}>Browse and produce records</a>
              <span class="muted">Produce rate: ${formatRate(produced.rate(name))}</span>
            </p>
            <${Partitions} topic=${topic} metrics=${data?.metrics} />
            <${AddPartitions} topic=${topic} onDone=${refresh} />
            <${ConfigEditor} topic=${topic} onSaved=${refresh} />
            <${DeleteTopic} name=${name} />`
        : error
          ? null
          : html`<p>Loading…</p>`
    }`;
}

function Partitions({ topic, metrics }: { topic: Topic; metrics: MetricSample[] | undefined }) {
  return html`<section aria-labelledby="partitions">
    <h2 id="partitions">Partitions</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Partitions">
      <table>
        <thead>
          <tr>
            <th scope="col" class="num">Partition</th>
            <th scope="col" class="num">Log start offset</th>
            <th scope="col" class="num">High watermark</th>
            <th scope="col" class="num">Records</th>
            <th scope="col" class="num">Size</th>
          </tr>
        </thead>
        <tbody>
          ${topic.partitions.map(
            (p) => html`<tr key=${p.partition}>
              <th scope="row" class="num">${p.partition}</th>
              <td class="num">${fmt(p.logStartOffset)}</td>
              <td class="num">${fmt(p.highWatermark)}</td>
              <td class="num">${fmt(p.highWatermark - p.logStartOffset)}</td>
              <td class="num">${formatBytes(metrics && storedBytes(metrics, topic.name, p.partition))}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${metrics ? null : html`<p class="muted">Sizes need <code>GET /metrics</code>, which this server does not serve.</p>`}
  </section>`;
}

function AddPartitions({ topic, onDone }: { topic: Topic; onDone: () => void }) {
  const [count, setCount] = useState(String(topic.partitions.length + 1));
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState("");
  const p = error ? problemOf(error) : undefined;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone("");
    try {
      const t = await api.updateTopic(topic.name, { partitions: Number(count) });
      setDone(`${t.name} now has ${t.partitions.length} partitions.`);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const message = p ? (p.detail ?? p.title) : undefined;
  return html`<section aria-labelledby="add-partitions">
    <h2 id="add-partitions">Add partitions</h2>
    <form class="inline-form" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="partition-count">New partition count (now ${topic.partitions.length})</label>
        <input
          ...${invalidProps("partition-count", message)}
          type="number"
          min=${topic.partitions.length + 1}
          inputmode="numeric"
          value=${count}
          onInput=${(e: Event) => setCount((e.target as HTMLInputElement).value)}
        />
        <${FieldError} id="partition-count" error=${message} />
      </div>
      <button type="submit">Add partitions</button>
    </form>
    <p role="status" class="ok">${done}</p>
  </section>`;
}

function ConfigEditor({ topic, onSaved }: { topic: Topic; onSaved: () => void }) {
  const [draft, setDraft] = useState<Record<string, string>>(topic.config);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [saved, setSaved] = useState("");
  const [dirty, setDirty] = useState(false);
  // a refresh of the topic replaces the draft only while the user has not started editing
  useEffect(() => {
    if (!dirty) setDraft(topic.config);
  }, [topic, dirty]);
  const keys = Object.keys(topic.config).sort();
  const fieldKey = problem?.field?.startsWith("config.") ? problem.field.slice("config.".length) : undefined;
  const errorFor = (key: string) => (fieldKey === key ? (problem?.detail ?? problem?.title) : undefined);
  const save = async (changes: Record<string, string | null>) => {
    setProblem(undefined);
    setSaved("");
    if (Object.keys(changes).length === 0) {
      setSaved("Nothing changed.");
      return;
    }
    try {
      const t = await api.updateTopic(topic.name, { config: changes });
      setDirty(false);
      setDraft(t.config);
      setSaved(`Saved ${Object.keys(changes).join(", ")}.`);
      onSaved();
    } catch (err) {
      setProblem(problemOf(err));
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const changes: Record<string, string> = {};
    for (const k of keys) if (draft[k] !== topic.config[k]) changes[k] = draft[k] ?? "";
    void save(changes);
  };
  return html`<section aria-labelledby="config">
    <h2 id="config">Configuration</h2>
    <p class="muted">Values in force; Kafka's default is shown under each. Reset returns a key to the server's default.</p>
    <form onSubmit=${submit} novalidate>
      <div class="config-grid">
        ${keys.map((key) => {
          const id = `config-${key.replace(/\./g, "-")}`;
          const err = errorFor(key);
          const def = KAFKA_DEFAULTS[key];
          return html`<div class="field" key=${key}>
            <label for=${id}><code>${key}</code></label>
            <div class="with-button">
              <input
                ...${invalidProps(id, err, "hint")}
                autocomplete="off"
                spellcheck="false"
                value=${draft[key] ?? ""}
                onInput=${(e: Event) => {
                  setDirty(true);
                  setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });
                }}
              />
              <button type="button" aria-label=${`Reset ${key} to the default`} onClick=${() => save({ [key]: null })}>
                Reset
              </button>
            </div>
            <p class="hint" id=${`${id}-hint`}>
              ${def === undefined ? "No Kafka default" : html`Kafka default: <code>${def}</code>`}${def !== undefined && topic.config[key] !== def ? " (differs)" : ""}
            </p>
            <${FieldError} id=${id} error=${err} />
          </div>`;
        })}
      </div>
      ${problem && !fieldKey ? html`<${ProblemBox} error=${problem} />` : null}
      <div class="actions"><button type="submit" class="primary">Save configuration</button></div>
      <p role="status" class="ok">${saved}</p>
    </form>
  </section>`;
}

function DeleteTopic({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return html`<section aria-labelledby="danger">
    <h2 id="danger">Delete</h2>
    <p>Deleting a topic removes all its records and its consumer groups' commits for it.</p>
    <button type="button" class="danger" onClick=${() => setOpen(true)}>Delete topic ${name}…</button>
    <${ProblemBox} error=${error} />
    <${ConfirmDialog}
      open=${open}
      title=${`Delete topic ${name}?`}
      message=${`Topic ${name} and all its records will be deleted. This cannot be undone.`}
      confirmLabel=${`Delete ${name}`}
      typeToConfirm=${name}
      danger=${true}
      onCancel=${() => setOpen(false)}
      onConfirm=${async () => {
        setOpen(false);
        try {
          await api.deleteTopic(name);
          navigate("/console/topics");
        } catch (e) {
          setError(e);
        }
      }}
    />
  </section>`;
}
