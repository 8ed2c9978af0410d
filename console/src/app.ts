/** The console's frame: a skip link, the header and menu, and the page the path names (lib/console/routes.ts). */
import { html } from "htm/preact";
import { ConnectPage } from "./pages/connect.js";
import { GroupPage } from "./pages/group.js";
import { GroupsPage } from "./pages/groups.js";
import { NotFoundPage } from "./pages/not-found.js";
import { OverviewPage } from "./pages/overview.js";
import { RecordsPage } from "./pages/records.js";
import { TopicPage } from "./pages/topic.js";
import { TopicsPage } from "./pages/topics.js";
import { type Location, useLocation } from "./router.js";

const MENU = [
  { href: "/", label: "Overview", pages: ["overview"] },
  { href: "/console/topics", label: "Topics", pages: ["topics", "topic", "records"] },
  { href: "/console/groups", label: "Groups", pages: ["groups", "group"] },
  { href: "/console/connect", label: "Connect", pages: ["connect"] },
];

function Page({ loc }: { loc: Location }) {
  const m = loc.match;
  if (!m) return html`<${NotFoundPage} path=${loc.path} />`;
  const p = m.params;
  switch (m.route.name) {
    case "overview":
      return html`<${OverviewPage} />`;
    case "topics":
      return html`<${TopicsPage} />`;
    case "topic":
      return html`<${TopicPage} key=${p.topic} name=${p.topic} />`;
    case "records":
      return html`<${RecordsPage} key=${p.topic} name=${p.topic} />`;
    case "groups":
      return html`<${GroupsPage} />`;
    case "group":
      return html`<${GroupPage} key=${p.group} name=${p.group} />`;
    case "connect":
      return html`<${ConnectPage} />`;
  }
}

export function App() {
  const loc = useLocation();
  const page = loc.match?.route.name;
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/">Strata <span>console</span></a>
      <nav aria-label="Console">
        <ul>
          ${MENU.map(
            (item) => html`<li key=${item.href}>
              <a href=${item.href} aria-current=${page && item.pages.includes(page) ? "page" : undefined}>${item.label}</a>
            </li>`,
          )}
        </ul>
      </nav>
    </header>
    <main id="main" tabindex="-1"><${Page} loc=${loc} /></main>`;
}
