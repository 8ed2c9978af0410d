/**
 * Bytes <-> JSON strings. Requests carry key, value and header values as UTF-8 text (default) or base64;
 * answers use UTF-8 text where the bytes are valid UTF-8 and base64 otherwise, listing those fields in
 * `base64`, so nothing is ever silently mangled in either direction.
 */
import { isUtf8 } from "node:buffer";
import { InvalidArgumentError } from "../errors.js";
import type { FetchedRecord } from "../log/types.js";
import type { Encoding } from "./schemas.js";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A lone surrogate has no UTF-8 form: TextEncoder would turn it into U+FFFD, silently changing the data.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** the letter of JSON's two-character escapes (\b \t \n \f \r), by control byte; 0 where it is \u00XX */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES.set([0x62, 0x74, 0x6e, 0, 0x66, 0x72], 0x08);
const HEX = new TextEncoder().encode("0123456789abcdef");

/** What jsonTextSize last measured: the exact size of the bytes as JSON string content, as JSON.stringify escapes. */
let exactSize = 0;

/**
 * The size of `bytes` as a JSON string body (UTF-8 text), as the choice of text or base64 counts it: control bytes
 * become \u00XX (6 characters), `"` and `\\` two. Multi-byte characters are written as they are. Sets exactSize in
 * the same pass (where \b \t \n \f \r are two characters).
 */
function jsonTextSize(bytes: Uint8Array): number {
  let size = bytes.length;
  let exact = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20) {
      size += 5;
      exact += SHORT_ESCAPES[b]! !== 0 ? 1 : 5;
    } else if (b === 0x22 || b === 0x5c) {
      size += 1;
      exact += 1;
    }
  }
  exactSize = exact;
  return size;
}

/** How one byte field is written into a JSON answer. */
enum Form {
  Null,
  Base64,
  /** valid UTF-8 with nothing to escape: the bytes themselves, quoted */
  Raw,
  /** valid UTF-8 with `"`, `\\` or control bytes: escaped as JSON.stringify escapes them */
  Escaped,
}

/**
 * Bytes -> how they go into a response string. With utf8, bytes that are not UTF-8 go base64 and `field` is
 * recorded; so do bytes whose JSON text would be larger than their base64 (mostly control bytes, which JSON writes
 * as \u00XX, six times their size): that keeps every answer within about 4/3 of the data, under Lambda's 6 MB.
 */
function formOf(bytes: Uint8Array, enc: Encoding, field: string, base64Fields: string[]): Form {
  if (enc === "utf8") {
    const size = jsonTextSize(bytes);
    if (size <= Math.ceil(bytes.length / 3) * 4 && isUtf8(bytes)) {
      return exactSize === bytes.length ? Form.Raw : Form.Escaped;
    }
    base64Fields.push(field);
  }
  return Form.Base64;
}

/** The size of a field written in `form`, quotes included; for Escaped, right after formOf measured it. */
function fieldSize(b: Uint8Array | null, form: Form): number {
  if (b === null) return 4; // null
  if (form === Form.Base64) return Math.ceil(b.length / 3) * 4 + 2;
  return (form === Form.Raw ? b.length : exactSize) + 2;
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
 * A record's RecordJson, measured and ready to be written as UTF-8 JSON straight into the answer's buffer (no
 * string in between, no generic stringify): a JSON fetch answer is mostly these. `bytes` is its exact size, which
 * decides trimming. The text is what JSON.stringify would give for the RecordJson, byte for byte.
 */
export interface RecordText {
  offset: number;
  bytes: number;
  record: FetchedRecord;
  /** `{"offset":…,"timestamp":…,"key":` */
  head: string;
  /** key, value, then each header's value */
  forms: Form[];
  /** each header's name as JSON text */
  names: string[];
  /** `,"base64":[…]` or "" */
  tail: string;
}

export function recordToJsonText(record: FetchedRecord, enc: Encoding): RecordText {
  const base64: string[] = [];
  const head = `{"offset":${record.offset},"timestamp":${record.timestamp},"key":`;
  const keyForm = formOfNullable(record.key, enc, "key", base64);
  let bytes = head.length + fieldSize(record.key, keyForm) + ',"value":'.length + ',"headers":[]}'.length;
  const valueForm = formOfNullable(record.value, enc, "value", base64);
  bytes += fieldSize(record.value, valueForm);
  const forms = [keyForm, valueForm];
  const names: string[] = [];
  for (let i = 0; i < record.headers.length; i++) {
    const h = record.headers[i]!;
    const name = JSON.stringify(h.name);
    const form = formOfNullable(h.value, enc, `headers[${i}]`, base64);
    names.push(name);
    forms.push(form);
    bytes += (i > 0 ? 1 : 0) + '{"name":,"value":}'.length + Buffer.byteLength(name) + fieldSize(h.value, form);
  }
  const tail = base64.length > 0 ? `,"base64":${JSON.stringify(base64)}` : "";
  bytes += Buffer.byteLength(tail);
  return { offset: record.offset, bytes, record, head, forms, names, tail };
}

const formOfNullable = (b: Uint8Array | null, enc: Encoding, field: string, base64Fields: string[]) =>
  b === null ? Form.Null : formOf(b, enc, field, base64Fields);

/** Writes `r` at `at` in `out` (which has room for r.bytes); returns where it ends. */
export function writeRecordText(out: Buffer, at: number, r: RecordText): number {
  const { record, forms } = r;
  at = writeAscii(out, at, r.head);
  at = writeField(out, at, record.key, forms[0]!);
  at = writeAscii(out, at, ',"value":');
  at = writeField(out, at, record.value, forms[1]!);
  at = writeAscii(out, at, ',"headers":[');
  for (let i = 0; i < record.headers.length; i++) {
    at += out.write(`${i > 0 ? "," : ""}{"name":${r.names[i]},"value":`, at, "utf8");
    at = writeField(out, at, record.headers[i]!.value, forms[i + 2]!);
    out[at++] = 0x7d; // }
  }
  out[at++] = 0x5d; // ]
  at += out.write(r.tail, at, "utf8");
  out[at++] = 0x7d; // }
  return at;
}

function writeField(out: Buffer, at: number, b: Uint8Array | null, form: Form): number {
  if (b === null) return writeAscii(out, at, "null");
  out[at++] = QUOTE;
  // native base64 and a copy: about as fast as encoding in JS here, and less code
  if (form === Form.Base64)
    at += out.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"), at, "latin1");
  else if (form === Form.Raw) {
    out.set(b, at);
    at += b.length;
  } else {
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
        out[at++] = c;
        continue;
      }
      out[at++] = BACKSLASH;
      if (c >= 0x20) out[at++] = c;
      else if (SHORT_ESCAPES[c]! !== 0) out[at++] = SHORT_ESCAPES[c]!;
      else {
        out[at++] = 0x75; // u
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX[c >> 4]!;
        out[at++] = HEX[c & 15]!;
      }
    }
  }
  out[at++] = QUOTE;
  return at;
}

/** ASCII text, byte by byte: for the short pieces of a record, cheaper than Buffer#write's checks. */
function writeAscii(out: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

/** One record's JSON text as a string (an SSE event's data): the same bytes a JSON fetch answer holds for it. */
export function recordJsonString(record: FetchedRecord, enc: Encoding): string {
  const text = recordToJsonText(record, enc);
  const out = Buffer.allocUnsafe(text.bytes);
  return out.toString("utf8", 0, writeRecordText(out, 0, text));
}
