/**
 * The produce form of the record browser: one record (key, value, headers, partition) sent with
 * POST /v1/topics/{topic}/records, as text or as base64 for arbitrary bytes. An error appears next to the input
 * the API's `field` names (records[0].value, records[0].partition, ...).
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api, type Header, type Problem, type Topic } from "../api.js";
import { FieldError, invalidProps, ProblemBox, problemOf } from "../ui/common.js";

type Input = "partition" | "key" | "value" | "headers" | "encoding";

/** The form input a problem's field belongs to. */
function inputOf(field: string | undefined): Input | undefined {
  if (!field) return undefined;
  if (field === "encoding") return "encoding";
  const m = /^records\[0\]\.(partition|key|value|headers)/.exec(field);
  return m ? (m[1] as Input) : undefined;
}

/** `name: value` lines; a line without a colon is a header with a null value. */
function parseHeaders(text: string): Header[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const i = l.indexOf(":");
      return i < 0 ? { name: l.trim(), value: null } : { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
    });
}

export function ProduceForm({ topic, onProduced }: { topic: Topic; onProduced: () => void }) {
  const [partition, setPartition] = useState("");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [headers, setHeaders] = useState("");
  const [encoding, setEncoding] = useState<"utf8" | "base64">("utf8");
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const at = inputOf(problem?.field);
  const err = (i: Input) => (at === i ? (problem?.detail ?? problem?.title) : undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setDone("");
    try {
      const record = {
        value,
        ...(key !== "" ? { key } : {}),
        ...(headers.trim() !== "" ? { headers: parseHeaders(headers) } : {}),
        ...(partition !== "" ? { partition: Number(partition) } : {}),
      };
      const answer = await api.produce(topic.name, [record], encoding);
      const first = answer.offsets[0];
      if (first?.error) setProblem(first.error);
      else if (first) {
        setDone(`Produced to partition ${first.partition} at offset ${first.offset}.`);
        onProduced();
      }
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="produce">
    <h2 id="produce">Produce a record</h2>
    <form class="form-grid produce" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="pf-partition">Produce to partition</label>
        <select ...${invalidProps("pf-partition", err("partition"))} value=${partition} onChange=${(e: Event) => setPartition((e.target as HTMLSelectElement).value)}>
          <option value="">By key (or spread)</option>
          ${topic.partitions.map((p) => html`<option value=${p.partition}>${p.partition}</option>`)}
        </select>
        <${FieldError} id="pf-partition" error=${err("partition")} />
      </div>
      <div class="field">
        <label for="pf-encoding">Encoding</label>
        <select ...${invalidProps("pf-encoding", err("encoding"))} value=${encoding} onChange=${(e: Event) => setEncoding((e.target as HTMLSelectElement).value as "utf8" | "base64")}>
          <option value="utf8">Text (UTF-8)</option>
          <option value="base64">Base64 (any bytes)</option>
        </select>
        <${FieldError} id="pf-encoding" error=${err("encoding")} />
      </div>
      <div class="field">
        <label for="pf-key">Key</label>
        <input ...${invalidProps("pf-key", err("key"), "hint")} autocomplete="off" spellcheck="false" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
        <p class="hint" id="pf-key-hint">Empty: no key.</p>
        <${FieldError} id="pf-key" error=${err("key")} />
      </div>
      <div class="field wide">
        <label for="pf-value">Value</label>
        <textarea ...${invalidProps("pf-value", err("value"))} rows="4" spellcheck="false" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLTextAreaElement).value)}></textarea>
        <${FieldError} id="pf-value" error=${err("value")} />
      </div>
      <div class="field wide">
        <label for="pf-headers">Headers</label>
        <textarea ...${invalidProps("pf-headers", err("headers"), "hint")} rows="2" spellcheck="false" value=${headers} onInput=${(e: Event) => setHeaders((e.target as HTMLTextAreaElement).value)}></textarea>
        <p class="hint" id="pf-headers-hint">One <code>name: value</code> a line.</p>
        <${FieldError} id="pf-headers" error=${err("headers")} />
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>Produce</button></div>
    </form>
    ${problem && !at ? html`<${ProblemBox} error=${problem} />` : null}
    <p role="status" class="ok">${done}</p>
  </section>`;
}
