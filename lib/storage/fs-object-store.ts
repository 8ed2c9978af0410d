/**
 * The ObjectStore port on a local directory: one file per key, '/' in a key is a directory.
 *
 * Durability (fsync "always"): put writes a temp file next to the target, fdatasyncs it, renames it into
 * place and fsyncs the directory (and any directory it had to create), all before it resolves, so a
 * reader never sees a partial object and an acknowledged object survives power loss. See fsync.ts for
 * what "never" gives up.
 *
 * Keys are validated: no absolute paths, no empty, "." or ".." segments (INVALID_ARGUMENT), so a key can
 * never escape the root. A key cannot be both an object and a "directory" of other keys ("a" and "a/b"):
 * S3 allows it, Strata's key layout never needs it, and the second put fails with INVALID_ARGUMENT.
 *
 * @example
 * const store = new FsObjectStore({ root: "/var/lib/strata/objects" });
 * await store.put("orders/0/00000000000000000000.seg", bytes);
 * const head = await store.get("orders/0/00000000000000000000.seg", { start: 0, end: 61 });
 */
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { errnoOf, objectNotFound, readRange, unavailable, validateRange } from "./file-io.js";
import { type FsyncPolicy, osSync, type SyncHooks } from "./fsync.js";
import type { ListPage, ObjectInfo, ObjectRange, ObjectStore } from "./object-store.js";

/** Temp files start with this; no key segment may, so list() can skip them safely. */
const TEMP_PREFIX = ".strata-tmp-";
/** S3's default page size: callers must page either way. */
const DEFAULT_LIST_LIMIT = 1000;

export interface FsObjectStoreOptions {
  root: string;
  fsync?: FsyncPolicy;
  /** replaces the OS sync calls (tests observe their order) */
  sync?: SyncHooks;
}

/** UTF-8 byte order, as S3 lists. */
const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  private readonly durable: boolean;
  private readonly sync: SyncHooks;
  /** directories whose entries (up to the root) this process has already made durable */
  private readonly durableDirs = new Set<string>();

  constructor(options: FsObjectStoreOptions) {
    this.root = resolve(options.root);
    this.durable = (options.fsync ?? "always") === "always";
    this.sync = options.sync ?? osSync;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    // A concurrent delete may prune the directory between mkdir and open: recreate and retry.
    for (let attempt = 0; ; attempt++) {
      // A directory this process made durable exists (a delete that prunes it forgets it first).
      if (attempt > 0 || !this.durableDirs.has(dir)) await this.ensureDir(dir, key);
      try {
        await this.writeDurably(dir, path, body);
        break;
      } catch (e) {
        if (errnoOf(e) === "ENOENT" && attempt < 3) continue;
        throw this.wrapWrite(e, key);
      }
    }
    await this.syncDirChain(dir);
  }

  async get(key: string, range?: ObjectRange): Promise<Uint8Array> {
    const path = this.pathOf(key);
    if (range !== undefined) validateRange(range);
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      throw this.wrap(e, "get", key);
    }
    try {
      const info = await handle.stat();
      // open() succeeds on a directory; a "directory" is only a prefix of other keys, not an object.
      if (!info.isFile()) throw objectNotFound(key);
      const start = Math.min(range?.start ?? 0, info.size);
      const end = Math.min(range?.end ?? info.size, info.size);
      return await readRange(handle, start, end);
    } catch (e) {
      throw this.wrap(e, "get", key);
    } finally {
      await handle.close();
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (e) {
      const code = errnoOf(e);
      // missing (or only a directory of other keys): deleting is idempotent
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "EPERM") return;
      throw this.wrap(e, "delete", key);
    }
    await this.pruneEmptyDirs(dirname(path));
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ListPage> {
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError("limit", "limit must be an integer >= 1");
    const slash = prefix.lastIndexOf("/");
    const dirKey = prefix.slice(0, slash + 1);
    if (dirKey !== "" && !isSafeKey(dirKey.slice(0, -1))) return { objects: [] };
    const objects: ObjectInfo[] = [];
    // read one extra object to learn whether another page exists
    for await (const info of this.walk(dirKey, prefix.slice(slash + 1), options.startAfter)) {
      if (objects.length === limit) return { objects, next: objects[limit - 1]?.key as string };
      objects.push(info);
    }
    return { objects };
  }

  async close(): Promise<void> {}

  /** Keys in byte order under the directory `dirKey` whose names start with `namePrefix`. */
  private async *walk(dirKey: string, namePrefix: string, startAfter: string | undefined): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.root, dirKey), { withFileTypes: true });
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw this.wrap(e, "list", dirKey);
    }
    // A directory "a" holds keys "a/...", which sort between "a" + "." and "a0": order it as "a/".
    const sorted = entries
      .filter(
        (d) => d.name.startsWith(namePrefix) && !d.name.startsWith(TEMP_PREFIX) && (d.isFile() || d.isDirectory()),
      )
      .map((d) => ({ dirent: d, order: Buffer.from(d.isDirectory() ? `${d.name}/` : d.name, "utf8") }))
      .sort((a, b) => Buffer.compare(a.order, b.order));
    for (const { dirent } of sorted) {
      const key = dirKey + dirent.name;
      if (dirent.isDirectory()) {
        const sub = `${key}/`;
        // every key below `sub` sorts after it and before the next sibling: skip the subtree when
        // startAfter lies beyond it
        if (startAfter !== undefined && compareBytes(sub, startAfter) <= 0 && !startAfter.startsWith(sub)) continue;
        yield* this.walk(sub, "", startAfter);
      } else {
        if (startAfter !== undefined && compareBytes(key, startAfter) <= 0) continue;
        try {
          yield { key, size: (await stat(join(this.root, key))).size };
        } catch (e) {
          if (errnoOf(e) !== "ENOENT") throw this.wrap(e, "list", key); // deleted while listing
        }
      }
    }
  }

  /** temp file -> data synced -> rename into place -> directory synced */
  private async writeDurably(dir: string, path: string, body: Uint8Array): Promise<void> {
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    const handle = await open(temp, "wx");
    try {
      try {
        await handle.writeFile(body);
        if (this.durable) await this.sync.file(handle);
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
    if (this.durable) await this.sync.dir(dir);
  }

  /** mkdir -p */
  private async ensureDir(dir: string, key: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw this.wrapWrite(e, key);
    }
  }

  /**
   * A directory's own entry lives in its parent. The first put into a directory (per process) syncs
   * each parent up to the root, so a directory created by this put, or by a concurrent one that has not
   * finished syncing, is durable before this put resolves. Later puts into it skip the work.
   */
  private async syncDirChain(dir: string): Promise<void> {
    if (!this.durable || this.durableDirs.has(dir)) return;
    for (let d = dir; d !== this.root && d.startsWith(this.root); ) {
      const parent = dirname(d);
      await this.sync.dir(parent);
      d = parent;
    }
    this.durableDirs.add(dir);
  }

  /** Drop directories emptied by a delete, up to (not including) the root, so listing stays cheap. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root + sep); d = dirname(d)) {
      // forget first: a put that races this rmdir syncs the chain again rather than trusting a stale entry
      this.durableDirs.delete(d);
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }

  private pathOf(key: string): string {
    if (typeof key !== "string" || !isSafeKey(key)) {
      throw new InvalidArgumentError(
        "key",
        `invalid object key ${JSON.stringify(key)}: it must be relative, with no empty, "." or ".." segments`,
      );
    }
    return join(this.root, ...key.split("/"));
  }

  private wrap(e: unknown, op: string, key: string): StrataError {
    if (e instanceof StrataError) return e;
    const code = errnoOf(e);
    // a missing file, a path through a file, or a directory (only a prefix of other keys): no such object
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return objectNotFound(key, e);
    return unavailable(e, op, key);
  }

  private wrapWrite(e: unknown, key: string): StrataError {
    if (e instanceof StrataError) return e;
    const code = errnoOf(e);
    if (code === "ENOTDIR" || code === "EEXIST") {
      return new InvalidArgumentError("key", `key ${JSON.stringify(key)} lies below an existing object`);
    }
    if (code === "EISDIR" || code === "ENOTEMPTY") {
      return new InvalidArgumentError("key", `key ${JSON.stringify(key)} is a prefix of other objects`);
    }
    if (code === "ENAMETOOLONG") return new InvalidArgumentError("key", `object key too long: ${key}`);
    return unavailable(e, "put", key);
  }
}

function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.startsWith("/") || key.includes("\0")) return false;
  return key.split("/").every((s) => s !== "" && s !== "." && s !== ".." && !s.startsWith(TEMP_PREFIX));
}
