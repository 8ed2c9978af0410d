/** The console's entry point (bundled by scripts/build-console.mjs): renders the app into the shell's #app. */
import { html, render } from "htm/preact";
import { App } from "./app.js";
import { interceptLinks } from "./router.js";
import "./styles.css";

interceptLinks();
render(html`<${App} />`, document.getElementById("app")!);
