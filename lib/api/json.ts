/**
 * What JSON.parse lets through and a request must not: a member name given twice in one object (JSON.parse keeps
 * the last one, silently), a member named `__proto__` (an own property zod then ignores, so it would be the one
 * unknown member that is not a 400), and a number past 2^53-1 (JSON.parse rounds it: 9007199254740993 becomes
 * ...992). One linear pass over text that JSON.parse has already accepted; throws an InvalidArgumentError naming
 * the member at fault (`records[0].key`, `config.retention.ms`).
 */
import { InvalidArgumentError } from "../errors.js";
import { fieldPath } from "./schemas.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** an object with more members than this checks them with a Set, below it with a list */
const SET_FROM = 16;

interface Frame {
  /** the object's member names so far (a list while short), or undefined for an array */
  names: string[] | Set<string> | undefined;
  /** the current member name, or the current element's index */
  at: string | number;
  /** in an object: the next string is a member name */
  expectName: boolean;
}

/** Throws on a duplicate member name, a `__proto__` member or an unsafe number; `text` must be valid JSON. */
export function checkJsonText(text: string): void {
  const stack: Frame[] = [];
  const fail = (message: string, last?: string | number): never => {
    const path = stack.map((f) => f.at);
    if (last !== undefined) path[path.length - 1] = last;
    const field = fieldPath(path) || "body";
    throw new InvalidArgumentError(field, `${field}: ${message}`);
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.expectName) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (name === "__proto__") fail('a member named "__proto__" is not allowed', name);
        if (has(top, name)) fail("this member is given twice; give it once", name);
        add(top, name);
        top.at = name;
        top.expectName = false;
      }
      i = end + 1;
    } else if (c === 0x7b /* { */) {
      stack.push({ names: [], at: "", expectName: true });
      i++;
    } else if (c === 0x5b /* [ */) {
      stack.push({ names: undefined, at: 0, expectName: false });
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.names === undefined) top.at = (top.at as number) + 1;
      else top.expectName = true;
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      // only long tokens can be past 2^53-1 (16 digits) or large by exponent
      if (end - i >= 16 || hasExponent(text, i, end)) {
        const value = Number(text.slice(i, end));
        if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
          fail(
            `${text.slice(i, end)} is past 2^53-1 (${Number.MAX_SAFE_INTEGER}), which JSON numbers here cannot hold exactly`,
          );
        }
      }
      i = end;
    } else {
      i++; // whitespace, ':', true, false, null
    }
  }
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length; // not reached for valid JSON
    // escaped when preceded by an odd number of backslashes
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

function hasExponent(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x65 || c === 0x45) return true;
  }
  return false;
}

function has(frame: Frame, name: string): boolean {
  return frame.names instanceof Set ? frame.names.has(name) : frame.names!.includes(name);
}

function add(frame: Frame, name: string): void {
  if (frame.names instanceof Set) frame.names.add(name);
  else {
    frame.names!.push(name);
    if (frame.names!.length >= SET_FROM) frame.names = new Set(frame.names);
  }
}
