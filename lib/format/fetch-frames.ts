/**
 * The binary answer of POST /v1/fetch: one frame per partition, in request order, each a fixed binary header and the
 * partition's RecordBatch v2 bytes as stored (docs/FORMAT.md, "Fetch frames"). Pure: shared by the server and the
 * client bundle. Big-endian, as Kafka is:
 *
 *   answer := count:u32 frame{count}
 *   frame  := topicLength:u16 topic:utf8 partition:u32 offset:i64 nextOffset:i64 highWatermark:i64 logStartOffset:i64
 *             problemLength:u32 problem:utf8 batchesLength:u32 batches
 *
 * A partition that failed has a problem (RFC 9457 JSON text, as in the JSON answer), offsets of -1 and no batches.
 */
import { FormatError } from "./errors.js";

export interface FetchFrame {
  topic: string;
  partition: number;
  /**
   * where the read started (the offset asked, or what earliest, latest or a timestamp resolved to): the batches may
   * begin below it, and below logStartOffset; those records are not part of the answer. -1 in a failed partition's frame
   */
  offset: number;
  /** -1 in a failed partition's frame, as are the bounds below */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** the failed partition's problem document (JSON text); absent when it did not fail */
  problem?: string;
  /** concatenated RecordBatch v2 batches (decoding: a view into the answer, not a copy) */
  batches: Uint8Array;
}

/** What encodeFetchFrames takes: batches may stay in pieces, they are copied once, into the answer. */
export type FetchFrameInput = Omit<FetchFrame, "batches"> & { batches: Uint8Array[] };

const FIXED = 2 + 4 + 8 * 4 + 4 + 4;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function encodeFetchFrames(frames: FetchFrameInput[]): Uint8Array {
  const names = frames.map((f) => utf8.encode(f.topic));
  const problems = frames.map((f) => (f.problem === undefined ? undefined : utf8.encode(f.problem)));
  let size = 4;
  frames.forEach((f, i) => {
    if (names[i]!.length > 0xffff) throw new FormatError(`topic name of frame ${i} is too long`);
    size += FIXED + names[i]!.length + (problems[i]?.length ?? 0);
    for (const b of f.batches) size += b.length;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, frames.length);
  let at = 4;
  frames.forEach((f, i) => {
    const name = names[i]!;
    view.setUint16(at, name.length);
    out.set(name, at + 2);
    at += 2 + name.length;
    view.setUint32(at, f.partition);
    setI64(view, at + 4, f.offset);
    setI64(view, at + 12, f.nextOffset);
    setI64(view, at + 20, f.highWatermark);
    setI64(view, at + 28, f.logStartOffset);
    at += 36;
    const problem = problems[i];
    view.setUint32(at, problem?.length ?? 0);
    if (problem) out.set(problem, at + 4);
    at += 4 + (problem?.length ?? 0);
    const lengthAt = at;
    at += 4;
    for (const b of f.batches) {
      out.set(b, at);
      at += b.length;
    }
    view.setUint32(lengthAt, at - lengthAt - 4);
  });
  return out;
}

/** The frames of an answer; a truncated or malformed answer is a FormatError. Batches are views into `bytes`. */
export function decodeFetchFrames(bytes: Uint8Array): FetchFrame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > bytes.length) throw new FormatError(`fetch answer cut short in ${what} at byte ${at}`);
  };
  need(0, 4, "the frame count");
  const count = view.getUint32(0);
  const frames: FetchFrame[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    need(at, 2, `frame ${i}`);
    const nameLength = view.getUint16(at);
    need(at + 2, nameLength + FIXED - 2, `frame ${i}`);
    const topic = text(bytes.subarray(at + 2, at + 2 + nameLength), `frame ${i}'s topic`);
    at += 2 + nameLength;
    const partition = view.getUint32(at);
    const offset = getI64(view, at + 4);
    const nextOffset = getI64(view, at + 12);
    const highWatermark = getI64(view, at + 20);
    const logStartOffset = getI64(view, at + 28);
    const problemLength = view.getUint32(at + 36);
    at += 40;
    need(at, problemLength + 4, `frame ${i}'s problem`);
    const problem =
      problemLength > 0 ? text(bytes.subarray(at, at + problemLength), `frame ${i}'s problem`) : undefined;
    at += problemLength;
    const batchesLength = view.getUint32(at);
    at += 4;
    need(at, batchesLength, `frame ${i}'s batches`);
    const frame: FetchFrame = {
      topic,
      partition,
      offset,
      nextOffset,
      highWatermark,
      logStartOffset,
      batches: bytes.subarray(at, at + batchesLength),
    };
    if (problem !== undefined) frame.problem = problem;
    frames.push(frame);
    at += batchesLength;
  }
  if (at !== bytes.length) throw new FormatError(`fetch answer has ${bytes.length - at} bytes after its last frame`);
  return frames;
}

/** Offsets fit in 2^53; -1 (no offset) is written as the i64 -1. */
function setI64(view: DataView, at: number, n: number): void {
  if (!Number.isSafeInteger(n) || n < -1) throw new FormatError(`offset ${n} is not an integer from -1 to 2^53`);
  view.setBigInt64(at, BigInt(n));
}

function getI64(view: DataView, at: number): number {
  const n = view.getBigInt64(at);
  if (n < -1n || n > BigInt(Number.MAX_SAFE_INTEGER))
    throw new FormatError(`offset ${n} at byte ${at} is out of range`);
  return Number(n);
}

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (e) {
    throw new FormatError(`${what} is not UTF-8`, { cause: e });
  }
}
