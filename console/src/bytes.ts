/**
 * How the record browser shows a key, a value or a header value: as text, as pretty JSON, or as hex. The JSON
 * fetch answers UTF-8 text, except for fields whose bytes are not UTF-8, which it sends as base64 and lists in
 * the record's `base64` (docs/API.md); such a field is always shown as hex, whatever the chosen view.
 */

export type View = "text" | "json" | "hex";

export interface Shown {
  text: string;
  /** what the text is, when it is not the plain text of the field */
  as?: "json" | "hex" | "null";
  /** the field's bytes are not UTF-8 */
  binary: boolean;
}

export function base64ToBytes(b64: string): Uint8Array {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw);
}

/** `de ad be ef`, 16 bytes a line */
export function hex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, "0")).join(" "));
  }
  return lines.join("\n");
}

/** One field of a fetched record, as `view` asks; `binary` says the answer sent it as base64. */
export function show(value: string | null, binary: boolean, view: View): Shown {
  if (value === null) return { text: "null", as: "null", binary: false };
  if (binary) return { text: hex(base64ToBytes(value)), as: "hex", binary: true };
  if (view === "hex") return { text: hex(new TextEncoder().encode(value)), as: "hex", binary: false };
  if (view === "json") {
    try {
      return { text: JSON.stringify(JSON.parse(value), null, 2), as: "json", binary: false };
    } catch {
      return { text: value, binary: false };
    }
  }
  return { text: value, binary: false };
}
