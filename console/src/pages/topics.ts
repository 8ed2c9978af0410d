/** Topics: the list (as on the overview) and the form that creates one; errors appear next to the field at fault. */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { pathOf } from "../../../lib/console/routes.js";
import { api } from "../api.js";
import { navigate } from "../router.js";
import { FieldError, invalidProps, ProblemBox, problemOf, usePoll, useTitle } from "../ui/common.js";
import { snapshot, TopicsTable } from "./overview.js";

export function TopicsPage() {
  useTitle("Topics");
  const { data, error } = usePoll(snapshot, 5000, []);
  return html`<h1>Topics</h1>
    <${CreateTopic} />
    <section aria-labelledby="topics-list">
      <h2 id="topics-list">All topics</h2>
      <${ProblemBox} error=${error} />
      ${data ? html`<${TopicsTable} topics=${data.topics} metrics=${data.metrics} />` : html`<p>Loading…</p>`}
    </section>`;
}

function CreateTopic() {
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("1");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const p = error ? problemOf(error) : undefined;
  const fieldError = (f: string) => (p?.field === f ? (p.detail ?? p.title) : undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const topic = await api.createTopic(name.trim(), Number(partitions));
      navigate(pathOf("/console/topics/:topic", { topic: topic.name }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const general = p && p.field !== "name" && p.field !== "partitions";
  return html`<section aria-labelledby="create-topic">
    <h2 id="create-topic">Create a topic</h2>
    <form class="form-grid" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="new-topic-name">Name</label>
        <input
          ...${invalidProps("new-topic-name", fieldError("name"), "yes")}
          required
          autocomplete="off"
          spellcheck="false"
          value=${name}
          onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)}
        />
        <p class="hint" id="new-topic-name-hint">Letters, digits, <code>.</code>, <code>_</code> and <code>-</code>.</p>
        <${FieldError} id="new-topic-name" error=${fieldError("name")} />
      </div>
      <div class="field">
        <label for="new-topic-partitions">Partitions</label>
        <input
          ...${invalidProps("new-topic-partitions", fieldError("partitions"))}
          type="number"
          min="1"
          inputmode="numeric"
          value=${partitions}
          onInput=${(e: Event) => setPartitions((e.target as HTMLInputElement).value)}
        />
        <${FieldError} id="new-topic-partitions" error=${fieldError("partitions")} />
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>Create topic</button></div>
    </form>
    ${general ? html`<${ProblemBox} error=${error} />` : null}
  </section>`;
}
