/**
 * What `strata produce` reads: records split at newlines (CRLF too) or at a -D delimiter, each read as text (with a
 * -K key separator), as base64 (--base64: the value, or key and value each with -K), or as a JSON object (--json):
 * { key?, value, headers?, partition?, timestamp?, base64? } where key and value are strings, null, or any other JSON
 * (written as its JSON text), headers an object or a list of {name, value}, and `base64` lists the fields given in
 * base64, as `strata consume --json` prints them, so its output can be produced again. A record that does not read
 * is an InputError naming its number.
 */
import { createInterface } from "node:readline";
import type { ProducerRecord } from "./records.js";

export class InputError extends Error {}

export interface InputOptions {
  keySeparator?: string;
  delimiter?: string;
  json?: boolean;
  base64?: boolean;
}

/** The records of `input` as text, numbered from 1, with the bytes each took (for the progress bar). */
export async function* split(input: NodeJS.ReadableStream, delimiter: string | undefined) {
  let n = 0;
  if (delimiter === undefined) {
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      yield { n: ++n, text: line, bytes: Buffer.byteLength(line) + 1 };
    }
    return;
  }
  let rest = "";
  for await (const chunk of input) {
    rest += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    let at = rest.indexOf(delimiter);
    while (at >= 0) {
      const text = rest.slice(0, at);
      rest = rest.slice(at + delimiter.length);
      yield { n: ++n, text, bytes: Buffer.byteLength(text) + Buffer.byteLength(delimiter) };
      at = rest.indexOf(delimiter);
    }
  }
  // a trailing record without a delimiter counts, an empty tail (input ending with the delimiter) does not
  if (rest !== "") yield { n: ++n, text: rest, bytes: Buffer.byteLength(rest) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fromBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) throw new InputError(`${what}: not base64`);
  return Buffer.from(text, "base64");
}

/** Record number `n` of the input as a ProducerRecord (without the -H headers and -p, which the caller adds). */
export function parseRecord(text: string, n: number, o: InputOptions): ProducerRecord {
  if (o.json) return fromJson(text, n);
  let key: string | null = null;
  let value = text;
  if (o.keySeparator !== undefined) {
    const at = text.indexOf(o.keySeparator);
    if (at >= 0) {
      key = text.slice(0, at);
      value = text.slice(at + o.keySeparator.length);
    }
  }
  if (!o.base64) return { key, value };
  return {
    key: key === null ? null : fromBase64(key, `record ${n}: the key`),
    value: fromBase64(value, `record ${n}: the value`),
  };
}

function fromJson(text: string, n: number): ProducerRecord {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    throw new InputError(`record ${n}: not JSON`);
  }
  if (o === null || typeof o !== "object" || Array.isArray(o))
    throw new InputError(`record ${n}: a JSON object such as {"key":"k","value":"v"}`);
  if (!("value" in o)) throw new InputError(`record ${n}: "value" is required (null is a tombstone)`);
  const encoded = new Set<string>();
  if (o.base64 !== undefined) {
    if (!Array.isArray(o.base64) || !o.base64.every((f) => typeof f === "string"))
      throw new InputError(`record ${n}: "base64" lists field names, such as ["value"]`);
    for (const f of o.base64) encoded.add(f);
  }
  const bytes = (v: unknown, field: string): string | Uint8Array | null => {
    if (v === null || v === undefined) return null;
    if (encoded.has(field)) {
      if (typeof v !== "string") throw new InputError(`record ${n}: ${field} is listed in base64 but not a string`);
      return fromBase64(v, `record ${n}: ${field}`);
    }
    return typeof v === "string" ? v : JSON.stringify(v);
  };
  const record: ProducerRecord = { key: bytes(o.key, "key"), value: bytes(o.value, "value") };
  if (o.headers !== undefined) record.headers = jsonHeaders(o.headers, n, bytes);
  for (const field of ["partition", "timestamp"] as const) {
    const v = o[field];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      throw new InputError(`record ${n}: "${field}" is a non-negative integer`);
    record[field] = v as number;
  }
  return record;
}

function jsonHeaders(h: unknown, n: number, bytes: (v: unknown, field: string) => string | Uint8Array | null) {
  const list = Array.isArray(h)
    ? (h as { name?: unknown; value?: unknown }[])
    : h !== null && typeof h === "object"
      ? Object.entries(h).map(([name, value]) => ({ name, value }))
      : undefined;
  if (!list) throw new InputError(`record ${n}: "headers" is an object or a list of {name, value}`);
  return list.map((x, i) => {
    if (x === null || typeof x !== "object" || typeof x.name !== "string")
      throw new InputError(`record ${n}: headers[${i}] needs a string name`);
    return { name: x.name, value: bytes(x.value, `headers[${i}]`) };
  });
}
