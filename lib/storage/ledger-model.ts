/**
 * The ledger's semantics in one place: sort-key order, prefix bounds, query ranges, condition evaluation,
 * updates and op validation, as DynamoDB has them (measured on DynamoDB Local; test/conformance/ledger-suite.ts).
 * The SQLite adapter evaluates everything here in JavaScript; the DynamoDB adapter lets DynamoDB evaluate
 * conditions and uses the order, the ranges and the transaction checks. docs/LEDGER.md describes the model.
 */
import { InvalidArgumentError } from "../errors.js";
import {
  type Attrs,
  type AttrValue,
  type Condition,
  MAX_TRANSACTION_ITEMS,
  type QueryOptions,
  type WriteOp,
} from "./ledger.js";

// ---------------------------------------------------------------------------------------------------------
// Sort-key order and prefix bounds

/** a surrogate half without its partner: Node encodes it as U+FFFD */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Compares strings by their UTF-8 bytes as Node encodes them (what SQLite's BINARY collation and DynamoDB
 * compare). Well-formed strings are compared without encoding: UTF-8 byte order is code point order, which
 * differs from UTF-16 order only where a surrogate meets a unit in U+E000..U+FFFF, so surrogates are ranked last.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  if (LONE_SURROGATE.test(a) || LONE_SURROGATE.test(b)) {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates -> 0xF800..0xFFFF
  if (unit >= 0xe000) return unit - 0x800; // U+E000..U+FFFF -> 0xD800..0xF7FF
  return unit;
}

/** Whether `s` starts with `prefix` byte for byte in UTF-8 (DynamoDB's begins_with). */
export function startsWithUtf8(s: string, prefix: string): boolean {
  if (LONE_SURROGATE.test(s) || LONE_SURROGATE.test(prefix)) {
    const p = Buffer.from(prefix, "utf8");
    return Buffer.from(s, "utf8").subarray(0, p.length).equals(p);
  }
  return s.startsWith(prefix);
}

/**
 * The smallest string greater than every string that starts with `prefix` (undefined: none), so beginsWith is
 * the range [prefix, prefixEnd(prefix)): the last code point below U+10FFFF is incremented, skipping the
 * surrogate range (not encodable in UTF-8); trailing U+10FFFF are dropped first.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < 0x10ffff) {
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Query ranges

export interface SortKeyBound {
  value: string;
  inclusive: boolean;
}

/** What a query's options select, as one range: the tightest lower and upper bound (either may be absent). */
export interface SortKeyRange {
  /** the options cannot match any sort key */
  empty: boolean;
  lower?: SortKeyBound;
  upper?: SortKeyBound;
}

/** Every option becomes a lower and/or upper bound (beginsWith P is [P, prefixEnd(P))); the tightest of each wins. */
export function sortKeyRange(o: QueryOptions): SortKeyRange {
  const lowers: SortKeyBound[] = [];
  const uppers: SortKeyBound[] = [];
  if (o.gt !== undefined) lowers.push({ value: o.gt, inclusive: false });
  if (o.gte !== undefined) lowers.push({ value: o.gte, inclusive: true });
  if (o.lt !== undefined) uppers.push({ value: o.lt, inclusive: false });
  if (o.lte !== undefined) uppers.push({ value: o.lte, inclusive: true });
  if (o.beginsWith) {
    lowers.push({ value: o.beginsWith, inclusive: true });
    const end = prefixEnd(o.beginsWith);
    if (end !== undefined) uppers.push({ value: end, inclusive: false });
  }
  const lower = tightest(lowers, 1);
  const upper = tightest(uppers, -1);
  if (lower && upper) {
    const cmp = compareUtf8(lower.value, upper.value);
    if (cmp > 0 || (cmp === 0 && !(lower.inclusive && upper.inclusive))) return { empty: true };
  }
  return { empty: false, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
}

/** The tightest bound: the largest lower bound (direction 1) or the smallest upper bound (-1); exclusive wins ties. */
function tightest(bounds: SortKeyBound[], direction: 1 | -1): SortKeyBound | undefined {
  let best: SortKeyBound | undefined;
  for (const b of bounds) {
    if (!best) {
      best = b;
      continue;
    }
    const cmp = compareUtf8(b.value, best.value) * direction;
    if (cmp > 0 || (cmp === 0 && !b.inclusive)) best = b;
  }
  return best;
}

/** Whether a sort key satisfies every option of a query (bounds and prefix; not order or limit). */
export function matchesSortKey(sk: string, o: QueryOptions): boolean {
  if (o.gt !== undefined && compareUtf8(sk, o.gt) <= 0) return false;
  if (o.gte !== undefined && compareUtf8(sk, o.gte) < 0) return false;
  if (o.lt !== undefined && compareUtf8(sk, o.lt) >= 0) return false;
  if (o.lte !== undefined && compareUtf8(sk, o.lte) > 0) return false;
  if (o.beginsWith !== undefined && !startsWithUtf8(sk, o.beginsWith)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Conditions and updates

/**
 * A condition on the item at an operation's key (undefined: absent), as DynamoDB evaluates it: `ne` is the
 * negation of `eq` (true for a missing attribute or item, or a value of another type); `eq`, `lt`, `le`, `gt`,
 * `ge` are false for a missing attribute or a value of another type; strings compare as UTF-8 bytes.
 */
export function evaluateCondition(c: Condition, item: Attrs | undefined): boolean {
  switch (c.op) {
    case "exists":
      return item !== undefined;
    case "notExists":
      return item === undefined;
    case "attrExists":
      return item !== undefined && Object.hasOwn(item, c.attr);
    case "attrNotExists":
      return item === undefined || !Object.hasOwn(item, c.attr);
    case "and":
      return c.conditions.every((x) => evaluateCondition(x, item));
    case "or":
      return c.conditions.some((x) => evaluateCondition(x, item));
    case "eq":
      return isEqual(attrOf(item, c.attr), c.value);
    case "ne":
      return !isEqual(attrOf(item, c.attr), c.value);
    default: {
      const order = compareSameType(attrOf(item, c.attr), c.value);
      if (order === undefined) return false;
      if (c.op === "lt") return order < 0;
      if (c.op === "le") return order <= 0;
      if (c.op === "gt") return order > 0;
      return order >= 0;
    }
  }
}

function attrOf(item: Attrs | undefined, name: string): AttrValue | undefined {
  return item !== undefined && Object.hasOwn(item, name) ? item[name] : undefined;
}

function isEqual(actual: AttrValue | undefined, value: string | number | boolean): boolean {
  return typeof actual === typeof value && actual === value;
}

/** Order of two strings or two numbers; undefined when they are not comparable (DynamoDB: false). */
function compareSameType(actual: AttrValue | undefined, value: string | number | boolean): number | undefined {
  if (typeof actual === "number" && typeof value === "number") return actual - value;
  if (typeof actual === "string" && typeof value === "string") return compareUtf8(actual, value);
  return undefined;
}

/**
 * An update applied to an item's attributes (an absent item is {}: update creates it): `set` assigns, `add` adds
 * to a number (missing counts as 0), `remove` deletes. Mutates and returns `attrs`.
 */
export function applyUpdate(attrs: Attrs, op: Extract<WriteOp, { type: "update" }>): Attrs {
  if (op.set !== undefined) Object.assign(attrs, op.set);
  for (const [name, delta] of Object.entries(op.add ?? {})) {
    const prev = Object.hasOwn(attrs, name) ? attrs[name] : 0;
    if (typeof prev !== "number") {
      throw new InvalidArgumentError(`add.${name}`, `cannot add to attribute ${name}: it is not a number`);
    }
    attrs[name] = prev + delta;
  }
  for (const name of op.remove ?? []) delete attrs[name];
  return attrs;
}

// ---------------------------------------------------------------------------------------------------------
// Validation: bad input is an InvalidArgumentError naming the field, before anything is read or written

export function validateString(value: unknown, field: string, allowEmpty = false): void {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new InvalidArgumentError(field, `${field} must be a ${allowEmpty ? "" : "non-empty "}string`);
  }
}

/** DynamoDB rejects empty key strings; every adapter does. */
export function validateKey(key: { pk: string; sk: string }, field: string): void {
  validateString(key?.pk, `${field}.pk`);
  validateString(key?.sk, `${field}.sk`);
}

/** A query's bounds are strings (empty allowed) and its limit an integer >= 0. */
export function validateQuery(pk: string, o: QueryOptions): void {
  validateString(pk, "pk");
  for (const field of ["gt", "gte", "lt", "lte", "beginsWith"] as const) {
    if (o[field] !== undefined) validateString(o[field], field, true);
  }
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 0)) {
    throw new InvalidArgumentError("limit", "limit must be an integer >= 0");
  }
}

/**
 * At most MAX_TRANSACTION_ITEMS operations and no two on one key (DynamoDB's ValidationException); with
 * `checkOps`, every operation is validated too (in order, before the next one's key is compared).
 */
export function validateTransaction(ops: WriteOp[], checkOps = true): void {
  if (!Array.isArray(ops)) throw new InvalidArgumentError("ops", "ops must be an array");
  if (ops.length > MAX_TRANSACTION_ITEMS) {
    throw new InvalidArgumentError(
      "ops",
      `a transaction holds at most ${MAX_TRANSACTION_ITEMS} operations, got ${ops.length}`,
    );
  }
  const seen = new Set<string>();
  for (const [i, op] of ops.entries()) {
    if (checkOps) validateOp(op, `ops[${i}]`);
    const id = JSON.stringify([op.key.pk, op.key.sk]);
    if (seen.has(id)) {
      throw new InvalidArgumentError(
        `ops[${i}].key`,
        `two operations in one transaction on ${op.key.pk} / ${op.key.sk}`,
      );
    }
    seen.add(id);
  }
}

export function validateOp(op: WriteOp, field: string): void {
  validateKey(op?.key, `${field}.key`);
  if (op.condition !== undefined) validateCondition(op.condition, `${field}.condition`);
  switch (op.type) {
    case "put":
      validateAttrs(op.attrs, `${field}.attrs`);
      return;
    case "delete":
      return;
    case "check":
      if (op.condition === undefined) throw new InvalidArgumentError(`${field}.condition`, "a check needs a condition");
      return;
    case "update":
      validateUpdate(op, field);
      return;
    default:
      throw new InvalidArgumentError(`${field}.type`, `unknown operation type ${JSON.stringify((op as WriteOp).type)}`);
  }
}

function validateUpdate(op: Extract<WriteOp, { type: "update" }>, field: string): void {
  const names = new Set<string>();
  const claim = (name: string, part: string) => {
    if (names.has(name)) {
      throw new InvalidArgumentError(
        `${field}.${part}`,
        `attribute ${name} appears in more than one of set/add/remove`,
      );
    }
    names.add(name);
  };
  if (op.set !== undefined) {
    validateAttrs(op.set, `${field}.set`);
    for (const name of Object.keys(op.set)) claim(name, "set");
  }
  if (op.add !== undefined && (op.add === null || typeof op.add !== "object" || Array.isArray(op.add))) {
    throw new InvalidArgumentError(`${field}.add`, "add takes an object of attribute names and numbers");
  }
  for (const [name, delta] of Object.entries(op.add ?? {})) {
    if (typeof delta !== "number" || !Number.isFinite(delta)) {
      throw new InvalidArgumentError(`${field}.add.${name}`, "add takes a finite number");
    }
    claim(name, "add");
  }
  if (op.remove !== undefined && (!Array.isArray(op.remove) || op.remove.some((name) => typeof name !== "string"))) {
    throw new InvalidArgumentError(`${field}.remove`, "remove takes an array of attribute names");
  }
  for (const name of op.remove ?? []) claim(name, "remove");
}

/** and/or nest at most this deep (a cyclic condition would otherwise recurse until the stack overflows) */
export const MAX_CONDITION_DEPTH = 32;

function validateCondition(c: Condition, field: string, depth = 1): void {
  if (depth > MAX_CONDITION_DEPTH) {
    throw new InvalidArgumentError(field, `conditions nest at most ${MAX_CONDITION_DEPTH} levels deep`);
  }
  switch (c?.op) {
    case "exists":
    case "notExists":
      return;
    case "attrExists":
    case "attrNotExists":
      validateString(c.attr, `${field}.attr`);
      return;
    case "and":
    case "or":
      if (!Array.isArray(c.conditions) || c.conditions.length === 0) {
        throw new InvalidArgumentError(`${field}.conditions`, `${c.op} needs at least one condition`);
      }
      for (const [i, x] of c.conditions.entries()) validateCondition(x, `${field}.conditions[${i}]`, depth + 1);
      return;
    case "eq":
    case "ne":
    case "lt":
    case "le":
    case "gt":
    case "ge": {
      validateString(c.attr, `${field}.attr`);
      const t = typeof c.value;
      const ordered = c.op !== "eq" && c.op !== "ne";
      // DynamoDB rejects <, <=, >, >= on booleans (ValidationException)
      if (!(t === "string" || (t === "number" && Number.isFinite(c.value)) || (t === "boolean" && !ordered))) {
        throw new InvalidArgumentError(`${field}.value`, `${c.op} cannot compare with ${JSON.stringify(c.value)}`);
      }
      return;
    }
    default:
      throw new InvalidArgumentError(
        `${field}.op`,
        `unknown condition ${JSON.stringify((c as Condition | undefined)?.op)}`,
      );
  }
}

/** DynamoDB's limit: "nested attributes up to 32 levels deep" (SQLite's JSON parser stops at 1000). */
export const MAX_ATTR_DEPTH = 32;

/**
 * Attribute values must be JSON that DynamoDB can hold: no undefined, NaN, Infinity, bigint or functions, and
 * no deeper than MAX_ATTR_DEPTH.
 */
function validateAttrs(attrs: Attrs, field: string): void {
  if (attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) {
    throw new InvalidArgumentError(field, "attributes must be an object");
  }
  for (const [name, value] of Object.entries(attrs)) validateValue(value, `${field}.${name}`, 1);
}

function validateValue(value: unknown, field: string, depth: number): void {
  if (depth > MAX_ATTR_DEPTH) {
    throw new InvalidArgumentError(field, `attributes nest at most ${MAX_ATTR_DEPTH} levels deep`);
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new InvalidArgumentError(field, "numbers must be finite");
      return;
    case "object":
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) validateValue(v, `${field}[${i}]`, depth + 1);
        return;
      }
      for (const [name, v] of Object.entries(value)) validateValue(v, `${field}.${name}`, depth + 1);
      return;
    default:
      throw new InvalidArgumentError(field, `${typeof value} is not a JSON value`);
  }
}
