/** Consumer groups: each with its state, live members and total lag (GET /v1/groups, then each group). */
import { html } from "htm/preact";
import { api, type Group } from "../api.js";
import { lagHistory } from "../rates.js";
import { ProblemBox, usePoll, useTitle } from "../ui/common.js";
import { GroupsTable, totalLag } from "./overview.js";

async function load(): Promise<Group[]> {
  const names = await api.listGroups();
  const groups = await Promise.all(names.map((g) => api.group(g).catch(() => undefined)));
  const found = groups.filter((g): g is Group => g !== undefined);
  for (const g of found) lagHistory.add(g.group, totalLag(g), Date.now(), false);
  return found;
}

export function GroupsPage() {
  useTitle("Consumer groups");
  const { data, error } = usePoll(load, 5000, []);
  return html`<h1>Consumer groups</h1>
    <${ProblemBox} error=${error} />
    ${data ? html`<${GroupsTable} groups=${data} />` : error ? null : html`<p>Loading…</p>`}
    <p class="muted">
      A group appears when a consumer joins it or commits offsets for it (Connect shows how).
    </p>`;
}
