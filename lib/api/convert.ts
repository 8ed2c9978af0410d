/**
 * Request bodies (validated) -> domain inputs, and domain results -> response bodies. Pure functions, so
 * the routes in app.ts stay a few lines each.
 */
import { InvalidArgumentError } from "../errors.js";
import type { FetchResult, FetchStart, ProduceRecord, ProduceResult, ProducerIdentity } from "../log/types.js";
import {
  decodeHeaderName,
  decodeNullable,
  type RecordJson,
  type RecordText,
  recordToJsonText,
  writeRecordText,
} from "./codec.js";
import { problemFromError } from "./problem.js";
import type { Encoding, ProduceBody } from "./schemas.js";

/** JSON records -> domain records; `partition` (from the path) pins every record to it. */
export function toProduceRecords(body: ProduceBody, partition?: number): ProduceRecord[] {
  const enc = body.encoding;
  return body.records.map((r, i) => {
    const at = `records[${i}]`;
    if (partition !== undefined && r.partition !== undefined && r.partition !== partition) {
      throw new InvalidArgumentError(`${at}.partition`, `${at}.partition: differs from the partition in the path`);
    }
    const record: ProduceRecord = {
      key: decodeNullable(r.key, enc, `${at}.key`),
      value: decodeNullable(r.value, enc, `${at}.value`),
      headers: (r.headers ?? []).map((h, j) => ({
        name: decodeHeaderName(h.name, `${at}.headers[${j}].name`),
        value: decodeNullable(h.value, enc, `${at}.headers[${j}].value`),
      })),
    };
    const p = partition ?? r.partition;
    if (p !== undefined) record.partition = p;
    if (r.timestamp !== undefined) record.timestamp = r.timestamp;
    return record;
  });
}

/**
 * The idempotent producer fields: all three or none. An idempotent request names every record's partition
 * and gives exactly one base sequence per partition it writes to.
 */
export function toProducerIdentity(body: ProduceBody, records: ProduceRecord[]): ProducerIdentity | undefined {
  const { producerId, producerEpoch, baseSequences } = body;
  if (producerId === undefined && producerEpoch === undefined && baseSequences === undefined) return undefined;
  if (producerId === undefined) throw missing("producerId");
  if (producerEpoch === undefined) throw missing("producerEpoch");
  if (baseSequences === undefined) throw missing("baseSequences");
  const written = new Set<number>();
  records.forEach((r, i) => {
    if (r.partition === undefined) {
      throw new InvalidArgumentError(`records[${i}].partition`, `records[${i}].partition: required with producerId`);
    }
    written.add(r.partition);
    if (baseSequences[String(r.partition)] === undefined) {
      throw missing(`baseSequences.${r.partition}`);
    }
  });
  const sequences: Record<number, number> = {};
  for (const [p, seq] of Object.entries(baseSequences)) {
    if (!written.has(Number(p))) {
      throw new InvalidArgumentError(`baseSequences.${p}`, `baseSequences.${p}: no record in this request goes there`);
    }
    sequences[Number(p)] = seq;
  }
  return { producerId, producerEpoch, baseSequences: sequences };
}

const missing = (field: string) => new InvalidArgumentError(field, `${field}: required for an idempotent produce`);

export function produceResultToJson(result: ProduceResult) {
  return {
    offsets: result.results.map((o) =>
      "error" in o
        ? { partition: o.partition, error: compactProblem(o.error) }
        : { partition: o.partition, offset: o.offset },
    ),
    failed: result.failed,
  };
}

function compactProblem(error: unknown) {
  const { type, status, title, detail } = problemFromError(error);
  return { type, status, title, detail };
}

export function fetchStart(offset: number | "earliest" | "latest" | undefined, timestamp: number | undefined) {
  if (offset !== undefined && timestamp !== undefined) {
    throw new InvalidArgumentError("timestamp", "timestamp: give either offset or timestamp, not both");
  }
  if (timestamp !== undefined) return { timestamp } satisfies FetchStart;
  if (offset === undefined) throw new InvalidArgumentError("offset", "offset: required (or timestamp)");
  return offset;
}

export interface FetchJson<R extends { offset: number } = RecordJson> {
  records: R[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export type { RecordText } from "./codec.js";

export const fetchResultToText = (r: FetchResult, enc: Encoding): FetchJson<RecordText> => ({
  records: r.records.map((rec) => recordToJsonText(rec, enc)),
  nextOffset: r.nextOffset,
  highWatermark: r.highWatermark,
  logStartOffset: r.logStartOffset,
});

/** Parts of a JSON answer: text, and records (each writes itself). */
export type AnswerPart = string | RecordText;

/** The parts of one partition's answer (fetchResultToText, trimmed), with its topic and partition if given. */
export function fetchAnswerText(a: FetchJson<RecordText> & { topic?: string; partition?: number }): AnswerPart[] {
  const where = a.topic === undefined ? "" : `"topic":${JSON.stringify(a.topic)},"partition":${a.partition},`;
  const parts: AnswerPart[] = [`{${where}"records":[`];
  for (let i = 0; i < a.records.length; i++) {
    if (i > 0) parts.push(",");
    parts.push(a.records[i]!);
  }
  parts.push(`],"nextOffset":${a.nextOffset},"highWatermark":${a.highWatermark},"logStartOffset":${a.logStartOffset}}`);
  return parts;
}

/**
 * The answer's UTF-8 bytes, written once into a buffer of its exact size: no string of the whole answer is built,
 * so there is none to flatten, measure or encode again on the way out.
 */
export function answerBytes(parts: AnswerPart[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += typeof p === "string" ? Buffer.byteLength(p) : p.bytes;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) at = typeof p === "string" ? at + out.write(p, at, "utf8") : writeRecordText(out, at, p);
  if (at !== size) throw new Error(`JSON answer: wrote ${at} bytes of ${size} measured`);
  return out;
}

const jsonBytes = (r: unknown) => Buffer.byteLength(JSON.stringify(r));
const textBytes = (r: { offset: number }) => ("bytes" in r && typeof r.bytes === "number" ? r.bytes : jsonBytes(r));

/**
 * Keep encoded answers under the response budget (Lambda's 6 MB): walk the records in answer order and
 * drop everything from the first record that would cross it, moving each trimmed partition's nextOffset
 * back to its first dropped record. The first record is always kept, so a consumer always progresses.
 */
export function trimToBudget<R extends { offset: number }>(
  results: FetchJson<R>[],
  budget: number,
  envelopeBytes = 1024,
): void {
  let used = envelopeBytes; // everything but the records: topic names, bounds, error entries
  let full = false;
  let kept = 0;
  for (const r of results) {
    let cut = r.records.length;
    for (let i = 0; i < r.records.length; i++) {
      const size = full ? 0 : textBytes(r.records[i]!) + 1;
      if (full || (used + size > budget && kept > 0)) {
        full = true;
        cut = i;
        break;
      }
      used += size;
      kept++;
    }
    if (cut < r.records.length) {
      r.nextOffset = r.records[cut]!.offset;
      r.records.length = cut;
    }
  }
}

/** The encoded size of an answer without its records, plus slack for the commas between them. */
export function envelopeSize(answer: unknown[]): number {
  const empty = answer.map((e) => (e && typeof e === "object" && "records" in e ? { ...e, records: [] } : e));
  return Buffer.byteLength(JSON.stringify({ partitions: empty })) + 64;
}
