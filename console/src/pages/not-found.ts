/** The page for a console path that names no page (the server answered it with 404 too). */
import { html } from "htm/preact";
import { useTitle } from "../ui/common.js";

export function NotFoundPage({ path }: { path: string }) {
  useTitle("Not found");
  return html`<h1>Page not found</h1>
    <p>The console has no page at <code>${path}</code>.</p>
    <p><a href="/">Go to the overview</a>, or pick a page from the menu.</p>`;
}
