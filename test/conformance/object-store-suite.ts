/**
 * The ObjectStore conformance suite: every adapter (fs, S3 on s3rver/LocalStack/AWS) runs exactly these tests,
 * so the domain can rely on lib/storage/object-store.ts and nothing else.
 *
 * Every test writes under its own random prefix, so the suite is safe on a shared, non-empty bucket.
 *
 * @example
 * objectStoreConformance("FsObjectStore", async () => {
 *   const root = await mkdtemp(join(tmpdir(), "strata-"));
 *   return { store: new FsObjectStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
 * });
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StrataError } from "../../lib/errors.js";
import type { ObjectInfo, ObjectStore } from "../../lib/storage/object-store.js";

export type ObjectStoreFactory = () => Promise<{ store: ObjectStore; cleanup(): Promise<void> }>;

/**
 * Checks an emulator is known to fail through its own bug, not the adapter's. A deviation skips those tests
 * (the reason shows in the test name); run the suite without deviations on LocalStack or AWS. Known for
 * s3rver 3.7: it lists in file-system walk order, not UTF-8 byte order ("listByteOrder"); it reads
 * `bytes=0-0` as the whole object and aborts the connection on a range of an empty object ("rangeEdges").
 */
export type ObjectStoreCheck = "listByteOrder" | "rangeEdges";
export interface ObjectStoreConformanceOptions {
  knownDeviations?: Partial<Record<ObjectStoreCheck, string>>;
}

const enc = new TextEncoder();

/** Byte equality that stays fast on multi-MiB bodies (expect().toEqual walks element by element). */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected);
}

/** Compare as S3 does: by the keys' UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

async function expectNotFound(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected OBJECT_NOT_FOUND").toBeInstanceOf(StrataError);
  expect((err as StrataError).code).toBe("OBJECT_NOT_FOUND");
}

/** Follows `next` until the last page, checking each page's size. */
async function listAll(store: ObjectStore, prefix: string, limit?: number): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  let startAfter: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.list(prefix, {
      ...(startAfter === undefined ? {} : { startAfter }),
      ...(limit === undefined ? {} : { limit }),
    });
    if (limit !== undefined) expect(page.objects.length).toBeLessThanOrEqual(limit);
    out.push(...page.objects);
    if (page.next === undefined) return out;
    startAfter = page.next;
  }
  throw new Error("list did not terminate");
}

export function objectStoreConformance(
  name: string,
  factory: ObjectStoreFactory,
  options: ObjectStoreConformanceOptions = {},
): void {
  /** `it`, or a skipped test that says why, for checks the backend under test is known to fail */
  const check = (id: ObjectStoreCheck) => {
    const reason = options.knownDeviations?.[id];
    if (reason === undefined) return it;
    return (title: string, fn: () => Promise<void>) => it.skip(`${title} [known deviation: ${reason}]`, fn);
  };
  describe(name, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;
    // One random root per run, one sub-prefix per test: parallel runs on one bucket never collide.
    const run = `conformance-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    let n = 0;
    const fresh = (label: string) => `${run}/${label}-${n++}/`;

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(async () => {
      await store?.close?.();
      await cleanup?.();
    });

    describe("put and get", () => {
      it("round-trips arbitrary bytes", async () => {
        const key = `${fresh("rt")}obj`;
        const body = randomBytes(4096);
        await store.put(key, body);
        const got = await store.get(key);
        expect(got).toBeInstanceOf(Uint8Array);
        expect(got.byteLength).toBe(body.byteLength);
        expect(sameBytes(got, body)).toBe(true);
      });

      it("round-trips every byte value", async () => {
        const key = `${fresh("bytes")}obj`;
        const body = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
        await store.put(key, body);
        expect(sameBytes(await store.get(key), body)).toBe(true);
      });

      it("round-trips an empty object", async () => {
        const key = `${fresh("empty")}obj`;
        await store.put(key, new Uint8Array(0));
        const got = await store.get(key);
        expect(got.byteLength).toBe(0);
      });

      it("round-trips a 5 MiB object", async () => {
        const key = `${fresh("big")}obj`;
        const body = randomBytes(5 * 1024 * 1024);
        await store.put(key, body);
        const got = await store.get(key);
        expect(got.byteLength).toBe(body.byteLength);
        expect(sameBytes(got, body)).toBe(true);
        // a range in the middle of a large object
        const mid = await store.get(key, { start: 3_000_001, end: 3_100_003 });
        expect(sameBytes(mid, body.subarray(3_000_001, 3_100_003))).toBe(true);
      });

      it("does not alias the caller's buffer", async () => {
        const key = `${fresh("alias")}obj`;
        const body = enc.encode("original");
        await store.put(key, body);
        body.fill(0);
        expect(Buffer.from(await store.get(key)).toString()).toBe("original");
      });

      it("overwrites a key with the new body", async () => {
        const key = `${fresh("overwrite")}obj`;
        await store.put(key, enc.encode("first version, longer"));
        await store.put(key, enc.encode("second"));
        expect(Buffer.from(await store.get(key)).toString()).toBe("second");
      });

      it("accepts keys with '/', '=', '-', '.', '_' and digits", async () => {
        const base = fresh("keys");
        const keys = [
          `${base}topic=orders/partition=0007/00000000000000001234-00000000000000005678.seg`,
          `${base}a/b/c/d/e/f.idx`,
          `${base}x-1.2_3=4`,
          `${base}0`,
        ];
        for (const [i, key] of keys.entries()) await store.put(key, enc.encode(`body ${i}`));
        for (const [i, key] of keys.entries()) {
          expect(Buffer.from(await store.get(key)).toString()).toBe(`body ${i}`);
        }
        const listed = (await listAll(store, base)).map((o) => o.key);
        expect(listed).toEqual([...keys].sort(byteOrder));
      });

      it("stores many objects written concurrently", async () => {
        const base = fresh("concurrent");
        const keys = Array.from({ length: 24 }, (_, i) => `${base}k${String(i).padStart(3, "0")}`);
        await Promise.all(keys.map((k) => store.put(k, enc.encode(k))));
        const got = await Promise.all(keys.map((k) => store.get(k)));
        expect(got.map((b) => Buffer.from(b).toString())).toEqual(keys);
      });
    });

    describe("ranged get", () => {
      const body = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);
      let key: string;
      beforeAll(async () => {
        key = `${fresh("range")}obj`;
        await store.put(key, body);
      });

      it("returns [start, end) with end exclusive", async () => {
        expect(sameBytes(await store.get(key, { start: 10, end: 20 }), body.subarray(10, 20))).toBe(true);
        expect(sameBytes(await store.get(key, { start: 999, end: 1000 }), body.subarray(999, 1000))).toBe(true);
        expect(sameBytes(await store.get(key, { start: 0, end: 1000 }), body)).toBe(true);
      });

      it("clamps an end beyond the object's size", async () => {
        const got = await store.get(key, { start: 990, end: 5000 });
        expect(got.byteLength).toBe(10);
        expect(sameBytes(got, body.subarray(990))).toBe(true);
      });

      it("returns empty bytes for start == size and for an empty range", async () => {
        expect((await store.get(key, { start: 1000, end: 1010 })).byteLength).toBe(0);
        expect((await store.get(key, { start: 500, end: 500 })).byteLength).toBe(0);
      });

      check("rangeEdges")("returns the first byte alone for [0, 1)", async () => {
        const got = await store.get(key, { start: 0, end: 1 });
        expect(got.byteLength).toBe(1);
        expect(got[0]).toBe(body[0]);
      });

      check("rangeEdges")("returns empty bytes for any range of an empty object", async () => {
        const empty = `${fresh("range-empty")}obj`;
        await store.put(empty, new Uint8Array(0));
        expect((await store.get(empty, { start: 0, end: 100 })).byteLength).toBe(0);
      });

      it("throws OBJECT_NOT_FOUND for a range of a missing key", async () => {
        await expectNotFound(store.get(`${fresh("range-missing")}nope`, { start: 0, end: 10 }));
      });
    });

    describe("missing keys and delete", () => {
      it("throws OBJECT_NOT_FOUND (a StrataError) for a missing key", async () => {
        await expectNotFound(store.get(`${fresh("missing")}nope`));
      });

      it("throws OBJECT_NOT_FOUND for a key that is only a prefix of other keys", async () => {
        const base = fresh("dirlike");
        await store.put(`${base}dir/child`, enc.encode("x"));
        await expectNotFound(store.get(`${base}dir`));
      });

      it("deletes an object: get fails and list omits it", async () => {
        const base = fresh("delete");
        await store.put(`${base}a`, enc.encode("a"));
        await store.put(`${base}b`, enc.encode("b"));
        await store.delete(`${base}a`);
        await expectNotFound(store.get(`${base}a`));
        expect((await listAll(store, base)).map((o) => o.key)).toEqual([`${base}b`]);
      });

      it("deletes idempotently: deleting a missing key succeeds", async () => {
        const key = `${fresh("delete-twice")}obj`;
        await store.delete(key);
        await store.put(key, enc.encode("x"));
        await store.delete(key);
        await store.delete(key);
        await expectNotFound(store.get(key));
      });

      it("deletes a nested key without disturbing its siblings", async () => {
        const base = fresh("delete-nested");
        await store.put(`${base}p/0/a`, enc.encode("a"));
        await store.put(`${base}p/0/b`, enc.encode("b"));
        await store.put(`${base}p/1/c`, enc.encode("c"));
        await store.delete(`${base}p/0/a`);
        await store.delete(`${base}p/0/b`);
        expect((await listAll(store, base)).map((o) => o.key)).toEqual([`${base}p/1/c`]);
        // the emptied "directory" can be written again
        await store.put(`${base}p/0/d`, enc.encode("d"));
        expect(Buffer.from(await store.get(`${base}p/0/d`)).toString()).toBe("d");
      });
    });

    describe("list", () => {
      it("returns nothing for an unused prefix", async () => {
        const page = await store.list(fresh("nothing"));
        expect(page.objects).toEqual([]);
        expect(page.next).toBeUndefined();
      });

      check("listByteOrder")("returns every key under the prefix with its size, in ascending byte order", async () => {
        const base = fresh("order");
        // '-' 0x2d < '.' 0x2e < '/' 0x2f < '0' 0x30 < '=' 0x3d < 'A' 0x41 < '_' 0x5f < 'a' 0x61:
        // a naive directory walk would put "a/..." before "a-1"; S3 does not.
        // A key is never also a "directory" of other keys here: on a file system "a" and "a/1" cannot coexist.
        const names = [
          "ab",
          "a-1",
          "a.1",
          "a/1",
          "a/2/x",
          "a/2.y",
          "a0",
          "a=1",
          "aA",
          "a_",
          "b",
          "B",
          "9",
          "a/0-z",
          "a/0/z",
        ];
        const keys = names.map((k) => `${base}${k}`);
        const shuffled = [...keys].sort(() => Math.random() - 0.5);
        for (const k of shuffled) await store.put(k, enc.encode(k.slice(base.length)));
        const listed = await listAll(store, base);
        expect(listed.map((o) => o.key)).toEqual([...keys].sort(byteOrder));
        for (const o of listed) expect(o.size).toBe(o.key.length - base.length);
      });

      check("listByteOrder")("matches the prefix as a string, not as a directory", async () => {
        const base = fresh("strprefix");
        for (const k of ["ab.y", "abc", "ab/x", "ab-1", "a", "b", "aa/ab"])
          await store.put(`${base}${k}`, enc.encode(k));
        expect((await listAll(store, `${base}ab`)).map((o) => o.key.slice(base.length))).toEqual([
          "ab-1",
          "ab.y",
          "ab/x",
          "abc",
        ]);
        expect((await listAll(store, `${base}ab/`)).map((o) => o.key.slice(base.length))).toEqual(["ab/x"]);
        expect((await listAll(store, `${base}a`)).length).toBe(6);
      });

      it("pages with limit and next, without duplicates or gaps", async () => {
        const base = fresh("paging");
        const keys = Array.from({ length: 23 }, (_, i) => `${base}p/${String(i % 3)}/${String(i).padStart(4, "0")}`);
        await Promise.all(keys.map((k) => store.put(k, enc.encode("x"))));
        const expected = [...keys].sort(byteOrder);
        for (const limit of [1, 5, 7, 23, 100]) {
          expect((await listAll(store, base, limit)).map((o) => o.key)).toEqual(expected);
        }
        const first = await store.list(base, { limit: 5 });
        expect(first.objects.map((o) => o.key)).toEqual(expected.slice(0, 5));
        expect(first.next).toBeDefined();
        // a limit larger than what remains ends the listing
        const all = await store.list(base, { limit: 1000 });
        expect(all.objects.length).toBe(23);
        expect(all.next).toBeUndefined();
      });

      it("resumes after startAfter, which need not be an existing key", async () => {
        const base = fresh("startafter");
        const keys = ["00", "05", "10", "15", "20"].map((s) => `${base}${s}`);
        for (const k of keys) await store.put(k, enc.encode(k));
        const keysAfter = async (startAfter: string) =>
          (await store.list(base, { startAfter })).objects.map((o) => o.key.slice(base.length));
        expect(await keysAfter(`${base}05`)).toEqual(["10", "15", "20"]);
        expect(await keysAfter(`${base}07`)).toEqual(["10", "15", "20"]);
        expect(await keysAfter(`${base}20`)).toEqual([]);
        expect(await keysAfter(`${base}`)).toEqual(["00", "05", "10", "15", "20"]);
        const page = await store.list(base, { startAfter: `${base}00`, limit: 2 });
        expect(page.objects.map((o) => o.key.slice(base.length))).toEqual(["05", "10"]);
      });

      check("listByteOrder")("lists across nested levels in byte order with paging", async () => {
        const base = fresh("nested");
        const keys = [
          "t/0/00000000000000000000.seg",
          "t/0/00000000000000000100.seg",
          "t/1/00000000000000000000.seg",
          "t/10/00000000000000000000.seg",
          "t/2/00000000000000000000.seg",
          "t-x/0",
          "u",
        ].map((k) => `${base}${k}`);
        for (const k of keys) await store.put(k, enc.encode("x"));
        const expected = [...keys].sort(byteOrder);
        expect((await listAll(store, base, 2)).map((o) => o.key)).toEqual(expected);
        expect((await listAll(store, `${base}t/1`)).map((o) => o.key.slice(base.length))).toEqual([
          "t/1/00000000000000000000.seg",
          "t/10/00000000000000000000.seg",
        ]);
      });
    });
  });
}
