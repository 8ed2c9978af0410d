/**
 * The fuzzing harness of the HTTP edge (fast-check), shared by the topic and the group fuzz scenarios: take a
 * valid request, break exactly one field (a wrong value, or an unknown member next to it), send it, and require a
 * 4xx application/problem+json whose `field` names the broken field (or a member inside it), with the state read
 * back before and after identical. Each scenario brings its own requests, wrong values and snapshot.
 */
import fc from "fast-check";
import { expect } from "vitest";

export type Path = (string | number)[];
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface FuzzRequest {
  method: string;
  url: string;
  body: Json;
}

export interface BrokenRequest extends FuzzRequest {
  /** the field the answer must name, as the server spells it: `records[0].key` */
  field: string;
}

/** The part of the test client the harness uses (test/scenarios/http-support.ts's). */
export interface FuzzClient {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of any shape; the harness asserts on them
  call(method: string, path: string, body?: unknown): Promise<{ status: number; contentType: string; body: any }>;
}

export const fieldName = (path: Path) =>
  path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");

/** Every leaf (and every array/object) path of a JSON value. */
export function paths(value: Json, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...at, i]));
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

export function setAt(value: Json, path: Path, replacement: Json): Json {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>;
  node[path.at(-1)!] = replacement;
  return copy;
}

/**
 * A valid request from `valid` with one field broken: a value from `badValues(path)`, or an unknown member
 * `bogus` next to it when its owner is an object `mayAddMember` allows (a config map takes any name).
 */
export function breakOneField<R extends FuzzRequest>(
  valid: fc.Arbitrary<R>,
  badValues: (path: Path) => Json[],
  mayAddMember: (parent: Path) => boolean = () => true,
): fc.Arbitrary<R & { field: string }> {
  return valid
    .chain((req) => fc.tuple(fc.constant(req), fc.constantFrom(...paths(req.body)), fc.boolean(), fc.nat()))
    .map(([req, path, unknownMember, pick]) => {
      if (unknownMember) {
        const parent = path.slice(0, -1);
        const owner = parent.reduce<Json>((n, p) => (n as Record<string | number, Json>)[p]!, req.body);
        if (owner && typeof owner === "object" && !Array.isArray(owner) && mayAddMember(parent)) {
          const broke = [...parent, "bogus"];
          return { ...req, body: setAt(req.body, broke, 1), field: fieldName(broke) };
        }
      }
      const bad = badValues(path);
      return { ...req, body: setAt(req.body, path, bad[pick % bad.length]!), field: fieldName(path) };
    });
}

/** Sends `req` and asserts it is a 4xx problem naming its broken field, and that `snapshot` reads the same after. */
export async function expectRejectedUnchanged(
  api: FuzzClient,
  req: BrokenRequest,
  snapshot: () => Promise<unknown>,
): Promise<void> {
  const before = await snapshot();
  const res = await api.call(req.method, req.url, req.body);
  const what = `${req.method} ${req.url} ${JSON.stringify(req.body)} -> ${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.contentType, what).toContain("application/problem+json");
  const field = String(res.body.field);
  expect(field === req.field || field.startsWith(`${req.field}.`) || field.startsWith(`${req.field}[`), what).toBe(
    true,
  );
  expect(await snapshot(), what).toEqual(before);
}
