/**
 * The consumer's read of a binary POST /v1/fetch answer (fetch frames, docs/FORMAT.md): per partition, its messages
 * from where its read started and the log starts (a frame's first batch may begin below either), its bounds, or its error. Keys, values
 * and header values are Buffers viewing the answer's memory: no copy, no JSON or base64 per record. Bytes that do
 * not decode are a CorruptDataError naming topic, partition and offsets, as the server's own corrupt-data problem.
 */
import { decodeFetchFrames, readRecords, splitBatches } from "./codec.js";
import { errorFromProblem, NetworkError, type Problem, type StrataClientError } from "./errors.js";
import type { Message } from "./records.js";
import { byteView } from "./runtime.js";

export interface FetchedPartition {
  topic: string;
  partition: number;
  messages: Message[];
  nextOffset?: number;
  highWatermark?: number;
  error?: StrataClientError;
}

export function readFetchAnswer(body: Uint8Array): FetchedPartition[] {
  let frames: ReturnType<typeof decodeFetchFrames>;
  try {
    frames = decodeFetchFrames(body);
  } catch (cause) {
    throw new NetworkError(`POST /v1/fetch: the answer was cut or is not fetch frames`, cause);
  }
  return frames.map((f) => {
    const { topic, partition } = f;
    if (f.problem !== undefined) {
      const problem = parseProblem(f.problem);
      return { topic, partition, messages: [], error: errorFromProblem(Number(problem.status ?? 500), problem) };
    }
    const start = Math.max(f.offset, f.logStartOffset);
    try {
      return {
        topic,
        partition,
        messages: messagesOf(f.batches, start),
        nextOffset: f.nextOffset,
        highWatermark: f.highWatermark,
      };
    } catch (cause) {
      const detail = `topic ${topic} partition ${partition}: the batches from offset ${start} do not decode: ${(cause as Error).message}`;
      const problem = {
        type: "urn:strata:problem:corrupt-data",
        title: "Corrupt data",
        status: 500,
        detail,
        retriable: false,
        topic,
        partition,
        offset: start,
        nextOffset: f.nextOffset,
      };
      return { topic, partition, messages: [], error: errorFromProblem(500, problem) };
    }
  });
}

function messagesOf(batches: Uint8Array, start: number): Message[] {
  const out: Message[] = [];
  for (const { start: at, end } of splitBatches(batches)) {
    // the server stamps real base offsets: records below the start are stepped over, never built
    const reader = readRecords(batches.subarray(at, end), { copy: false });
    const skip = Math.min(Math.max(0, start - reader.header.baseOffset), 0x7fffffff);
    for (let r = reader.next(skip); r !== undefined; r = reader.next(skip)) {
      out.push({
        offset: r.offset,
        timestamp: r.timestamp,
        key: buffer(r.key),
        value: buffer(r.value),
        headers: r.headers.map((h) => ({ name: h.name, value: buffer(h.value) })),
      });
    }
  }
  return out;
}

const buffer = (b: Uint8Array | null): Buffer | null => (b === null ? null : byteView(b));

function parseProblem(text: string): Problem & { status?: number } {
  try {
    const p = JSON.parse(text) as Problem;
    if (p && typeof p === "object") return p;
  } catch {}
  return { title: "Unreadable problem", detail: text.slice(0, 200), status: 500 };
}
