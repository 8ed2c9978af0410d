/**
 * S3ObjectStore against s3rver: ranged reads, listing order and paging, idempotent delete, prefixes,
 * missing keys. The shared object store conformance suite (test/conformance/aws.test.ts) covers the port.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../lib/storage/s3-object-store.js";
import { countRequests } from "../../support/aws-middleware.js";
import { type AwsTestStorage, awsTestStorage } from "../../support/aws-storage.js";

let aws: AwsTestStorage;
beforeAll(async () => {
  aws = await awsTestStorage();
});
afterAll(() => aws?.cleanup());

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

describe("S3ObjectStore", () => {
  it("stores bodies verbatim (no aws-chunked framing) and reads byte ranges, clamped to the object", async () => {
    const body = bytes(5000);
    await aws.store.put("obj/a", body);
    expect(await aws.store.get("obj/a")).toEqual(body);
    // What is in the bucket is exactly the bytes: another reader (not the adapter) sees the same length.
    const raw = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: "obj/a" }));
    expect(raw.ContentLength).toBe(5000);
    expect(await aws.store.get("obj/a", { start: 10, end: 20 })).toEqual(body.subarray(10, 20));
    expect(await aws.store.get("obj/a", { start: 4990, end: 6000 })).toEqual(body.subarray(4990));
    expect(await aws.store.get("obj/a", { start: 5000, end: 5010 })).toEqual(new Uint8Array(0));
    // A subarray view is sent as its own bytes, not its whole backing buffer.
    await aws.store.put("obj/view", body.subarray(100, 200));
    expect(await aws.store.get("obj/view")).toEqual(body.subarray(100, 200));
    await aws.store.put("obj/empty", new Uint8Array(0));
    expect(await aws.store.get("obj/empty")).toEqual(new Uint8Array(0));
  });

  it("answers an empty range without a request", async () => {
    const counter = countRequests(aws.s3);
    try {
      expect(await aws.store.get("obj/whatever", { start: 7, end: 7 })).toEqual(new Uint8Array(0));
      expect(counter.total()).toBe(0);
    } finally {
      counter.remove();
    }
  });

  it("throws OBJECT_NOT_FOUND for a missing key, ranged or not, and deletes idempotently", async () => {
    await expect(aws.store.get("missing")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND", retriable: false });
    await expect(aws.store.get("missing", { start: 0, end: 10 })).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await aws.store.put("del/a", bytes(3));
    await aws.store.delete("del/a");
    await aws.store.delete("del/a");
    await expect(aws.store.get("del/a")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
  });

  it("lists in byte order with sizes, pages with limit/startAfter, and stays inside the prefix", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `list/${String(i).padStart(20, "0")}`);
    for (const [i, k] of keys.entries()) await aws.store.put(k, bytes(i + 1));
    await aws.store.put("listing/other", bytes(1));
    const all = await aws.store.list("list/");
    expect(all).toEqual({ objects: keys.map((key, i) => ({ key, size: i + 1 })) });

    const seen: string[] = [];
    let startAfter: string | undefined;
    let pages = 0;
    do {
      const page = await aws.store.list("list/", { limit: 3, ...(startAfter ? { startAfter } : {}) });
      expect(page.objects.length).toBeLessThanOrEqual(3);
      seen.push(...page.objects.map((o) => o.key));
      startAfter = page.next;
      pages++;
    } while (startAfter);
    expect(seen).toEqual(keys);
    expect(pages).toBe(3);
    expect(await aws.store.list("nothing/")).toEqual({ objects: [] });
  });

  it("keeps a key prefix out of the port's keys", async () => {
    const store = new S3ObjectStore({ client: aws.s3, bucket: aws.bucket, prefix: "tenant-1/" });
    await store.put("x/1", bytes(4));
    expect(await store.get("x/1")).toEqual(bytes(4));
    expect(await store.list("x/")).toEqual({ objects: [{ key: "x/1", size: 4 }] });
    expect((await aws.store.list("tenant-1/x/")).objects.map((o) => o.key)).toEqual(["tenant-1/x/1"]);
  });

  it("reports a missing bucket as a non-retriable error, not as a missing object", async () => {
    const store = new S3ObjectStore({ client: aws.s3, bucket: "strata-no-such-bucket" });
    await expect(store.get("k")).rejects.toMatchObject({ code: "INTERNAL", retriable: false });
  });
});
