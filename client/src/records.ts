/** The record shapes users hand to the SDK and get back from it, and the conversions to the codec's bytes. */
import { InvalidInputError } from "./errors.js";

export type Bytes = string | Uint8Array;

/** Header input: an object (one value per name) or a list (names may repeat, order kept). */
export type HeadersInput = Record<string, Bytes | null> | { name: string; value: Bytes | null }[];

export interface ProducerRecord {
  key?: Bytes | null;
  /** null is a tombstone */
  value: Bytes | null;
  headers?: HeadersInput;
  /** pin the record to a partition; otherwise a keyed record goes to Kafka's murmur2 partition of its key */
  partition?: number;
  /** ms since the epoch; default now */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface MessageHeader {
  name: string;
  value: Buffer | null;
}

/** A consumed record. Buffers, so `message.value?.toString()` gives the text. */
export interface Message {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeader[];
}

const utf8 = new TextEncoder();

export function toBytes(b: Bytes | null | undefined, field: string): Uint8Array | null {
  if (b === null || b === undefined) return null;
  if (typeof b === "string") return utf8.encode(b);
  if (b instanceof Uint8Array) return b;
  throw new InvalidInputError(`${field}: a string, a Uint8Array or null`);
}

export function toHeaders(h: HeadersInput | undefined, field: string): { name: string; value: Uint8Array | null }[] {
  if (h === undefined) return [];
  const list = Array.isArray(h) ? h : Object.entries(h).map(([name, value]) => ({ name, value }));
  return list.map((x, i) => {
    if (typeof x.name !== "string") throw new InvalidInputError(`${field}[${i}].name: a string`);
    return { name: x.name, value: toBytes(x.value, `${field}[${i}].value`) };
  });
}
