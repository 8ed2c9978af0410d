/**
 * The table-driven codec: a message is a list of fields, each present in a version range, possibly nullable in
 * another, possibly a tagged field (flexible versions only). One interpreter decodes and encodes every message at
 * every version from these tables (messages/*.ts), so supporting a version is a table edit, not code.
 *
 * Values are plain objects keyed by the fields' camelCase names. A field absent in the version decodes to its
 * default and is not written; a tagged field is written only when it differs from its default.
 */
import { ProtocolError, Reader, Writer, ZERO_UUID } from "./primitives.js";

export type Primitive =
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "int64"
  | "float64"
  | "bool"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

/** inclusive [min, max]; NONE is empty */
export type Range = readonly [number, number];
export const NONE: Range = [1, 0];
const OPEN = 0x7fff;

export interface Field {
  name: string;
  type: Primitive | "array" | "struct";
  /** array element type when it is a primitive */
  items?: Primitive;
  /** struct fields (of a struct, or of each array element) */
  fields?: Field[];
  versions: Range;
  nullable: Range;
  tag?: number;
  tagged: Range;
  default?: unknown;
}

export interface ApiSpec {
  apiKey: number;
  name: string;
  /** the versions this server implements and advertises */
  versions: Range;
  /** versions that use compact encodings, tagged fields and header v2 / v1 */
  flexible: Range;
  request: Field[];
  response: Field[];
}

/** "0+", "3-7", "5", "none" */
export function range(spec: string): Range {
  if (spec === "none") return NONE;
  if (spec.endsWith("+")) return [Number(spec.slice(0, -1)), OPEN];
  const [a, b] = spec.split("-");
  return [Number(a), Number(b ?? a)];
}

export const inRange = (r: Range, v: number): boolean => v >= r[0] && v <= r[1];

interface FieldOptions {
  /** versions in which null is allowed */
  nullable?: string;
  /** tag number and tagged versions: a tagged field */
  tag?: number;
  tagged?: string;
  default?: unknown;
}

/** A primitive field or an array of primitives ("[]int32"). */
export function f(name: string, type: Primitive | `[]${Primitive}`, versions: string, o: FieldOptions = {}): Field {
  const isArray = type.startsWith("[]");
  const field: Field = {
    name,
    type: isArray ? "array" : (type as Primitive),
    versions: range(versions),
    nullable: range(o.nullable ?? "none"),
    tagged: range(o.tagged ?? "none"),
  };
  if (isArray) field.items = type.slice(2) as Primitive;
  if (o.tag !== undefined) field.tag = o.tag;
  if (o.default !== undefined) field.default = o.default;
  return field;
}

/** An array of structs. */
export function arr(name: string, versions: string, fields: Field[], o: FieldOptions = {}): Field {
  return { ...f(name, "int8", versions, o), type: "array", fields };
}

/** A single struct (used as a tagged field in some messages). */
export function struct(name: string, versions: string, fields: Field[], o: FieldOptions = {}): Field {
  return { ...f(name, "int8", versions, o), type: "struct", fields };
}

export type Struct = Record<string, unknown>;

export function defaultOf(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  switch (field.type) {
    case "bool":
      return false;
    case "string":
      return "";
    case "bytes":
      return new Uint8Array(0);
    case "records":
      return null;
    case "uuid":
      return ZERO_UUID;
    case "array":
      return [];
    case "struct":
      return null;
    default:
      return 0;
  }
}

// ---- decoding ----

export function decodeStruct(r: Reader, fields: Field[], v: number, flexible: boolean): Struct {
  const out: Struct = {};
  const tagged: Field[] = [];
  for (const field of fields) {
    if (!inRange(field.versions, v)) {
      out[field.name] = defaultOf(field);
    } else if (flexible && field.tag !== undefined && inRange(field.tagged, v)) {
      out[field.name] = defaultOf(field);
      tagged.push(field);
    } else {
      out[field.name] = readValue(r, field, v, flexible);
    }
  }
  if (flexible) readTaggedFields(r, tagged, v, out);
  return out;
}

/** Tagged fields: count, then (tag, size, value) each; unknown tags are skipped. */
export function readTaggedFields(r: Reader, known: Field[], v: number, out: Struct): void {
  const count = r.uvarint();
  let last = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= last) throw new ProtocolError(`tagged fields out of order: ${tag} after ${last}`);
    last = tag;
    const body = r.raw(r.uvarint());
    const field = known.find((k) => k.tag === tag);
    if (!field) continue;
    const sub = new Reader(body);
    out[field.name] = readValue(sub, field, v, true);
    if (sub.remaining !== 0) throw new ProtocolError(`tagged field ${field.name} has ${sub.remaining} bytes left`);
  }
}

function readValue(r: Reader, field: Field, v: number, flexible: boolean): unknown {
  const nullable = inRange(field.nullable, v);
  if (field.type === "array") {
    const n = r.arrayLength(flexible);
    if (n === null) return nullOr(field, nullable);
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = field.fields ? decodeStruct(r, field.fields, v, flexible) : readPrimitive(r, field.items!, flexible);
    }
    return out;
  }
  if (field.type === "struct") return decodeStruct(r, field.fields!, v, flexible);
  const value = readPrimitive(r, field.type, flexible);
  return value === null ? nullOr(field, nullable) : value;
}

function nullOr(field: Field, nullable: boolean): null {
  if (!nullable) throw new ProtocolError(`${field.name} is null but not nullable in this version`);
  return null;
}

function readPrimitive(r: Reader, type: Primitive, flexible: boolean): unknown {
  switch (type) {
    case "int8":
      return r.int8();
    case "int16":
      return r.int16();
    case "uint16":
      return r.uint16();
    case "int32":
      return r.int32();
    case "int64":
      return r.int64();
    case "float64":
      return r.float64();
    case "bool":
      return r.bool();
    case "uuid":
      return r.uuid();
    case "string":
      return flexible ? r.compactString() : r.string();
    case "bytes":
    case "records":
      return flexible ? r.compactBytes() : r.bytesField();
  }
}

// ---- encoding ----

export function encodeStruct(w: Writer, fields: Field[], value: Struct, v: number, flexible: boolean): void {
  const tagged: Field[] = [];
  for (const field of fields) {
    if (!inRange(field.versions, v)) continue;
    if (flexible && field.tag !== undefined && inRange(field.tagged, v)) {
      if (!isDefault(field, value[field.name])) tagged.push(field);
      continue;
    }
    writeValue(w, field, fieldValue(field, value), v, flexible);
  }
  if (flexible) {
    const list = tagged.sort((a, b) => a.tag! - b.tag!);
    w.uvarint(list.length);
    for (const field of list) {
      const body = new Writer();
      writeValue(body, field, value[field.name], v, true);
      const bytes = body.toBytes();
      w.uvarint(field.tag!).uvarint(bytes.length).raw(bytes);
    }
  }
}

function fieldValue(field: Field, value: Struct): unknown {
  const x = value[field.name];
  return x === undefined ? defaultOf(field) : x;
}

function isDefault(field: Field, x: unknown): boolean {
  if (x === undefined) return true;
  const d = defaultOf(field);
  if (Array.isArray(x)) return x.length === 0 && (d === null || Array.isArray(d));
  return x === d;
}

function writeValue(w: Writer, field: Field, x: unknown, v: number, flexible: boolean): void {
  if (x === null) {
    if (!inRange(field.nullable, v) && field.type !== "records") {
      throw new ProtocolError(`${field.name} may not be null in version ${v}`);
    }
  }
  if (field.type === "array") {
    const list = x as unknown[] | null;
    w.arrayLength(list === null ? null : list.length, flexible);
    if (list === null) return;
    for (const item of list) {
      if (field.fields) encodeStruct(w, field.fields, item as Struct, v, flexible);
      else writePrimitive(w, field.items!, item, flexible, field.name);
    }
    return;
  }
  if (field.type === "struct") {
    encodeStruct(w, field.fields!, (x ?? {}) as Struct, v, flexible);
    return;
  }
  writePrimitive(w, field.type, x, flexible, field.name);
}

function writePrimitive(w: Writer, type: Primitive, x: unknown, flexible: boolean, name: string): void {
  switch (type) {
    case "int8":
      w.int8(num(x, name));
      return;
    case "int16":
      w.int16(num(x, name));
      return;
    case "uint16":
      w.uint16(num(x, name));
      return;
    case "int32":
      w.int32(num(x, name));
      return;
    case "int64":
      w.int64(num(x, name));
      return;
    case "float64":
      w.float64(x as number);
      return;
    case "bool":
      w.bool(x === true);
      return;
    case "uuid":
      w.uuid(x as string);
      return;
    case "string":
      if (flexible) w.compactString(x as string | null);
      else w.string(x as string | null);
      return;
    case "bytes":
    case "records":
      // records may be given as a list of byte arrays (fetched batches), sent back to back without a copy
      if (Array.isArray(x)) w.bytesList(x as Uint8Array[], flexible);
      else if (flexible) w.compactBytes(x as Uint8Array | null);
      else w.bytesField(x as Uint8Array | null);
      return;
  }
}

function num(x: unknown, name: string): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new ProtocolError(`${name} must be an integer, not ${x}`);
  return x;
}
