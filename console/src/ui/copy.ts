/** A snippet with a Copy button (the Clipboard API; where the browser refuses, the text is selected instead). */
import { html } from "htm/preact";
import { useRef, useState } from "preact/hooks";

export function CopyBlock({ label, text, id }: { label: string; text: string; id: string }) {
  const [note, setNote] = useState("");
  const pre = useRef<HTMLPreElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setNote("Copied");
    } catch {
      const range = document.createRange();
      if (pre.current) range.selectNodeContents(pre.current);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      setNote("Selected: press Ctrl+C (⌘C) to copy");
    }
  };
  return html`<figure class="snippet">
    <figcaption id=${`${id}-label`}>${label}</figcaption>
    <pre ref=${pre} tabindex="0" aria-labelledby=${`${id}-label`}><code>${text}</code></pre>
    <button type="button" onClick=${copy} aria-describedby=${`${id}-label`}>Copy</button>
    <span class="note" role="status">${note}</span>
  </figure>`;
}
