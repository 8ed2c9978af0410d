/**
 * Bytes <-> JSON strings. Requests carry key, value and header values as UTF-8 text (default) or base64;
 * answers use UTF-8 text where the bytes are valid UTF-8 and base64 otherwise, listing those fields in
 * `base64`, so nothing is ever silently mangled in either direction.
 */
import { InvalidArgumentError } from "../errors.js";
import type { FetchedRecord } from "../log/types.js";
import type { Encoding } from "./schemas.js";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A lone surrogate has no UTF-8 form: TextEncoder would turn it into U+FFFD, silently changing the data.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** A request string -> bytes, or a 400 naming the field. */
export function decodeBytes(text: string, enc: Encoding, field: string): Uint8Array {
  if (enc === "base64") {
    // Canonical base64 (what every encoder writes) re-encodes to itself, which is cheaper to see than running the
    // pattern over it; only text that does not is judged by the pattern (Buffer.from skips what is not base64).
    const bytes = Buffer.from(text, "base64");
    if (bytes.toString("base64") !== text && !BASE64.test(text)) {
      throw new InvalidArgumentError(field, `${field}: not valid base64`);
    }
    return new Uint8Array(bytes);
  }
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidArgumentError(field, `${field}: contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  }
  return utf8Encoder.encode(text);
}

export const decodeNullable = (text: string | null | undefined, enc: Encoding, field: string): Uint8Array | null =>
  text === null || text === undefined ? null : decodeBytes(text, enc, field);

/** Header names are UTF-8 text in the format, whatever the encoding of values. */
export function decodeHeaderName(name: string, field: string): string {
  if (LONE_SURROGATE.test(name)) throw new InvalidArgumentError(field, `${field}: contains a lone UTF-16 surrogate`);
  return name;
}

/**
 * The size of `bytes` as a JSON string body (UTF-8 text): control bytes become \u00XX (6 characters), `"` and
 * `\` two. Multi-byte characters are written as they are.
 */
function jsonTextSize(bytes: Uint8Array): number {
  let size = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20) size += 5;
    else if (b === 0x22 || b === 0x5c) size += 1;
  }
  return size;
}

/**
 * Bytes -> a response string. With utf8, bytes that are not UTF-8 come back base64 and `field` is recorded; so do
 * bytes whose JSON text would be larger than their base64 (mostly control bytes, which JSON writes as \u00XX, six
 * times their size): that keeps every answer within about 4/3 of the data, under Lambda's 6 MB.
 */
function encodeBytes(bytes: Uint8Array, enc: Encoding, field: string, base64Fields: string[]): string {
  if (enc === "utf8") {
    if (jsonTextSize(bytes) > Math.ceil(bytes.length / 3) * 4) base64Fields.push(field);
    else {
      try {
        return utf8Decoder.decode(bytes);
      } catch {
        base64Fields.push(field);
      }
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export interface RecordJson {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { name: string; value: string | null }[];
  /** with encoding=utf8: the fields that are base64 because their bytes are not UTF-8 (or are mostly control bytes) */
  base64?: string[];
}

/**
 * A record's RecordJson as JSON text, built directly (no object in between, no generic stringify): a JSON fetch
 * answer is mostly these, built once each, measured for the response budget and written as they are.
 */
export function recordToJsonText(record: FetchedRecord, enc: Encoding): string {
  const base64: string[] = [];
  const key = quoted(record.key, enc, "key", base64);
  const value = quoted(record.value, enc, "value", base64);
  let headers = "";
  for (let i = 0; i < record.headers.length; i++) {
    const h = record.headers[i]!;
    const v = quoted(h.value, enc, `headers[${i}]`, base64);
    headers += `${i > 0 ? "," : ""}{"name":${JSON.stringify(h.name)},"value":${v}}`;
  }
  const tail = base64.length > 0 ? `,"base64":${JSON.stringify(base64)}` : "";
  return `{"offset":${record.offset},"timestamp":${record.timestamp},"key":${key},"value":${value},"headers":[${headers}]${tail}}`;
}

/** A JSON string of the bytes; base64 text needs no escaping, UTF-8 text goes through JSON.stringify. */
function quoted(b: Uint8Array | null, enc: Encoding, field: string, base64Fields: string[]): string {
  if (b === null) return "null";
  const before = base64Fields.length;
  const text = encodeBytes(b, enc, field, base64Fields);
  return enc === "base64" || base64Fields.length > before ? `"${text}"` : JSON.stringify(text);
}
