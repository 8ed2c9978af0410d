/**
 * The object store port: immutable objects addressed by key, as S3 offers them.
 *
 * Contract (the conformance suite in test/conformance checks every adapter against it):
 * - put(key, body) stores the whole object durably before it resolves (local files: file and directory
 *   fsynced per the fsync policy; S3: the PUT returned 200). Overwriting a key is allowed but Strata never
 *   does it: every key it writes is unique.
 * - get(key, range?) returns the bytes [start, end) (end exclusive, clamped to the object's size). It throws
 *   StrataError("OBJECT_NOT_FOUND") for a missing key, never returns partial data silently.
 * - delete(key) is idempotent: deleting a missing key succeeds.
 * - list(prefix) returns keys in ascending byte order (as S3 does), at most `limit` per page, with a
 *   continuation token; `startAfter` resumes after a key.
 * - Transient failures (throttling, timeouts) surface as StrataError with retriable=true; adapters do not
 *   hide a failed write.
 */
export interface ObjectRange {
  /** first byte, inclusive */
  start: number;
  /** last byte, exclusive */
  end: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ListPage {
  objects: ObjectInfo[];
  /** pass as `startAfter` to read the next page; absent on the last page */
  next?: string;
}

export interface ObjectStore {
  put(key: string, body: Uint8Array): Promise<void>;
  get(key: string, range?: ObjectRange): Promise<Uint8Array>;
  delete(key: string): Promise<void>;
  list(prefix: string, options?: { startAfter?: string; limit?: number }): Promise<ListPage>;
  /** release handles; the store is not used afterwards */
  close?(): Promise<void>;
}
