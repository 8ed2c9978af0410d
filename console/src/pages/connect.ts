/**
 * Connection help: copyable curl, CLI, SDK and kcat snippets for this server (its origin as the browser sees
 * it), and the bearer token the console sends, for servers that require one.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { savedToken, saveToken } from "../api.js";
import { useTitle } from "../ui/common.js";
import { CopyBlock } from "../ui/copy.js";

/** The Kafka listener's default port (STRATA_KAFKA_PORT changes it); the console cannot see which is in use. */
const KAFKA_PORT = 9092;

export function snippets(origin: string, host: string, topic: string) {
  const t = topic || "greetings";
  return {
    curl: [
      `curl -sS ${origin}/v1/topics`,
      `curl -sS -X POST ${origin}/v1/topics -H 'content-type: application/json' \\\n  -d '{"name": "${t}", "partitions": 3}'`,
      `curl -sS -X POST ${origin}/v1/topics/${t}/records -H 'content-type: application/json' \\\n  -d '{"records": [{"key": "alice", "value": "hello"}]}'`,
      `curl -sS '${origin}/v1/topics/${t}/partitions/0/records?offset=earliest&maxWaitMs=1000'`,
    ].join("\n"),
    cli: [
      `export STRATA_URL=${origin}`,
      "npx strata topics list",
      `echo hello | npx strata produce ${t}`,
      `npx strata consume ${t} --from-beginning -e`,
    ].join("\n"),
    sdk: [
      'import { Strata } from "@strata/client";',
      "",
      `const strata = new Strata({ url: "${origin}" });`,
      "const producer = strata.producer();",
      `await producer.send("${t}", [{ key: "alice", value: "hello" }]);`,
      "await producer.close();",
      "",
      'const consumer = strata.consumer({ groupId: "my-group", autoOffsetReset: "earliest" });',
      `consumer.subscribe({ topics: ["${t}"] });`,
      "await consumer.run({ eachMessage: async ({ message }) => console.log(message.value?.toString()) });",
    ].join("\n"),
    kcat: [
      `kcat -b ${host}:${KAFKA_PORT} -L`,
      `echo hello | kcat -b ${host}:${KAFKA_PORT} -t ${t} -P`,
      `kcat -b ${host}:${KAFKA_PORT} -t ${t} -C -o beginning -e`,
    ].join("\n"),
  };
}

export function ConnectPage() {
  useTitle("Connect");
  const [topic, setTopic] = useState("greetings");
  const [token, setToken] = useState(savedToken());
  const [note, setNote] = useState("");
  const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
  const s = snippets(location.origin, host, topic.trim());
  return html`<h1>Connect</h1>
    <p>Everything this console does goes through the HTTP API below; these snippets do the same from elsewhere.</p>
    <div class="field narrow">
      <label for="snippet-topic">Topic in the examples</label>
      <input id="snippet-topic" autocomplete="off" spellcheck="false" value=${topic} onInput=${(e: Event) => setTopic((e.target as HTMLInputElement).value)} />
    </div>
    <section aria-labelledby="c-curl">
      <h2 id="c-curl">HTTP (curl)</h2>
      <${CopyBlock} id="snip-curl" label="List topics, create one, produce and fetch" text=${s.curl} />
      <p>The API is described at <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p>
    </section>
    <section aria-labelledby="c-cli">
      <h2 id="c-cli">Command line</h2>
      <${CopyBlock} id="snip-cli" label="The strata CLI (from this repository's client workspace)" text=${s.cli} />
    </section>
    <section aria-labelledby="c-sdk">
      <h2 id="c-sdk">TypeScript SDK</h2>
      <${CopyBlock} id="snip-sdk" label="@strata/client: produce and consume in a group" text=${s.sdk} />
    </section>
    <section aria-labelledby="c-kcat">
      <h2 id="c-kcat">Kafka clients (kcat)</h2>
      <${CopyBlock} id="snip-kcat" label=${`The Kafka listener, port ${KAFKA_PORT} unless STRATA_KAFKA_PORT sets another`} text=${s.kcat} />
    </section>
    <section aria-labelledby="c-token">
      <h2 id="c-token">API token</h2>
      <form
        class="inline-form"
        onSubmit=${(e: Event) => {
          e.preventDefault();
          saveToken(token.trim());
          setNote(
            token.trim() ? "The console now sends this token with every request (this tab only)." : "No token is sent.",
          );
        }}
      >
        <div class="field">
          <label for="api-token">Bearer token (only for servers that require one)</label>
          <input id="api-token" type="password" autocomplete="off" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">Use token</button>
      </form>
      <p role="status" class="ok">${note}</p>
    </section>`;
}
