/**
 * Reading request bodies under the one size limit. The limit is enforced on the bytes actually read, so a
 * missing or lying Content-Length cannot get a larger body through; a declared length over the limit is
 * refused before reading anything.
 */
import { isAscii } from "node:buffer";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { checkJsonText } from "./json.js";

export class RequestTooLargeError extends StrataError {
  constructor(limit: number) {
    super("REQUEST_TOO_LARGE", `the request body exceeds ${limit} bytes`, { details: { field: "body", limit } });
    this.name = "RequestTooLargeError";
  }
}

export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new RequestTooLargeError(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new RequestTooLargeError(limit);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * JSON.parse with a 400 naming the body when the bytes are not UTF-8 JSON, and one naming the member when JSON.parse
 * would lose something (a member given twice, `__proto__`, a number past 2^53-1: json.ts). An empty body is `emptyAs`.
 */
export function parseJson(bytes: Uint8Array, emptyAs?: unknown): unknown {
  if (bytes.byteLength === 0 && emptyAs !== undefined) return emptyAs;
  let text: string;
  let value: unknown;
  try {
    // ASCII (most JSON bodies: base64 payloads, escaped text) is its own UTF-8 and latin1 decoding: a copy,
    // about half the cost of the strict decoder, which judges everything else.
    text = isAscii(bytes)
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
      : strictUtf8.decode(bytes);
    value = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof SyntaxError ? e.message : "the body is not valid UTF-8";
    throw new InvalidArgumentError("body", `malformed JSON: ${reason}`);
  }
  checkJsonText(text);
  return value;
}
