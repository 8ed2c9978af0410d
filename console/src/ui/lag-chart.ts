/**
 * A group's total lag over time as a small inline SVG line (no chart library): the samples the group page took
 * while it was open. Described in text as well (role img with a label), for readers who cannot see it.
 */
import { html } from "htm/preact";
import type { Sample } from "../rates.js";

const W = 800;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function LagChart({ samples }: { samples: readonly Sample[] }) {
  if (samples.length === 0) return html`<p class="muted">No lag measured yet.</p>`;
  const t0 = samples[0]!.at;
  const t1 = Math.max(samples[samples.length - 1]!.at, t0 + 1000);
  const max = Math.max(1, ...samples.map((s) => s.value));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.value).toFixed(1)}`).join(" ");
  const last = samples[samples.length - 1]!;
  const seconds = Math.round((t1 - t0) / 1000);
  const label = `Total lag over the last ${seconds} s: now ${last.value.toLocaleString("en")}, at most ${max.toLocaleString("en")}`;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${label}>
      <line x1=${PAD.left} y1=${H - PAD.bottom} x2=${W - PAD.right} y2=${H - PAD.bottom} stroke="#5c6470" />
      <line x1=${PAD.left} y1=${PAD.top} x2=${PAD.left} y2=${H - PAD.bottom} stroke="#5c6470" />
      <text x=${PAD.left - 6} y=${PAD.top + 10} text-anchor="end" font-size="12" fill="#2b2f36">${max}</text>
      <text x=${PAD.left - 6} y=${H - PAD.bottom} text-anchor="end" font-size="12" fill="#2b2f36">0</text>
      <text x=${PAD.left} y=${H - 8} font-size="12" fill="#2b2f36">-${seconds} s</text>
      <text x=${W - PAD.right} y=${H - 8} text-anchor="end" font-size="12" fill="#2b2f36">now</text>
      ${
        samples.length === 1
          ? html`<circle cx=${x(last.at)} cy=${y(last.value)} r="3" fill="#1d4ed8" />`
          : html`<polyline points=${points} fill="none" stroke="#1d4ed8" stroke-width="2" />`
      }
    </svg>
    <figcaption>${label}</figcaption>
  </figure>`;
}
