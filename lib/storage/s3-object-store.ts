/**
 * ObjectStore on S3: one PUT per object, ranged GETs, ListObjectsV2 for listing.
 *
 * Throws StrataError("OBJECT_NOT_FOUND") for a missing key, retriable StrataError("THROTTLED" | "UNAVAILABLE")
 * for throttling, timeouts, 5xx and network failures (after the SDK's own retries), and a non-retriable
 * StrataError("INTERNAL") for anything else (a missing bucket, denied access), always with the SDK error as cause.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { StrataError } from "../errors.js";
import { transientAwsError, unexpectedAwsError } from "./aws-errors.js";
import type { ListPage, ObjectInfo, ObjectRange, ObjectStore } from "./object-store.js";

/** S3 returns at most 1000 keys per ListObjectsV2 page. */
const S3_MAX_KEYS = 1000;

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** prepended to every key (and stripped from listed keys), e.g. "strata/" */
  prefix?: string;
}

/**
 * @example
 * const store = new S3ObjectStore({ client: new S3Client({}), bucket: "my-bucket", prefix: "strata/" });
 * await store.put("segments/0/00000000000000000000", bytes);
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    // A Buffer (not a stream): the SDK sends a plain body with Content-Length, which every S3 implementation
    // stores verbatim (s3rver keeps aws-chunked framing of streamed bodies as part of the object).
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: buffer }));
    } catch (error) {
      throw this.mapError(error, "PutObject", key);
    }
  }

  async get(key: string, range?: ObjectRange): Promise<Uint8Array> {
    if (range && range.end <= range.start) return new Uint8Array(0);
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
        }),
      );
      if (!res.Body) return new Uint8Array(0);
      return await res.Body.transformToByteArray();
    } catch (error) {
      // A range starting at or past the end of an existing object: S3 answers 416; the port clamps to empty.
      if (range && isInvalidRange(error)) return new Uint8Array(0);
      throw this.mapError(error, "GetObject", key);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      // DeleteObject answers 204 for a missing key too, which is the idempotence the port asks for.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.mapError(error, "DeleteObject", key);
    }
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ListPage> {
    const limit = options.limit ?? S3_MAX_KEYS;
    if (limit <= 0) return { objects: [], ...(options.startAfter !== undefined ? { next: options.startAfter } : {}) };
    const objects: ObjectInfo[] = [];
    let continuationToken: string | undefined;
    let more = false;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: Math.min(S3_MAX_KEYS, limit - objects.length),
            ...(continuationToken
              ? { ContinuationToken: continuationToken }
              : options.startAfter !== undefined
                ? { StartAfter: this.prefix + options.startAfter }
                : {}),
          }),
        );
        for (const o of res.Contents ?? []) {
          if (o.Key === undefined) continue;
          objects.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 });
        }
        more = res.IsTruncated === true;
        continuationToken = res.NextContinuationToken;
      } while (more && continuationToken && objects.length < limit);
    } catch (error) {
      throw this.mapError(error, "ListObjectsV2", prefix);
    }
    const last = objects[objects.length - 1];
    return more && last ? { objects, next: last.key } : { objects };
  }

  private mapError(error: unknown, operation: string, key: string): StrataError {
    if (isNotFound(error)) {
      return new StrataError("OBJECT_NOT_FOUND", `object ${key} not found`, { cause: error, details: { key } });
    }
    return transientAwsError(error, operation) ?? unexpectedAwsError(error, operation);
  }
}

function errorShape(error: unknown): { name?: string; status?: number } {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { name: e?.name, status: e?.$metadata?.httpStatusCode };
}

function isNotFound(error: unknown): boolean {
  const { name, status } = errorShape(error);
  if (name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || status === 404;
}

function isInvalidRange(error: unknown): boolean {
  const { name, status } = errorShape(error);
  return name === "InvalidRange" || status === 416;
}
