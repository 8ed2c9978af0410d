/**
 * The ObjectStore port on local disk, as append-only pack files: the embedded backend's S3.
 *
 *   <root>/index.sqlite          key -> (pack, position, length), and each pack's indexed end
 *   <root>/<id, 10 digits>.pack  records, appended: a 28-byte header, the key, the object's bytes
 *
 * Why packs: one file per object costs a file creation, a rename and a directory fsync per put, about twice the
 * cost of appending the same bytes to an open file and syncing it (measured in bench/core.ts). A put here is one
 * append plus one fdatasync, shared by the puts that are in flight together (group commit).
 *
 * Durability ("always"):
 * - Writes to a pack are issued one after the other, and a put resolves only after an fdatasync that started
 *   after its write completed. So a successful fdatasync covers every record before it in the file: the durable
 *   part of a pack is a prefix.
 * - Records are self-describing. A put's index row and its pack's watermark (indexed end) are committed without
 *   waiting for the disk (SQLite synchronous=NORMAL, WAL: a power cut can only take a suffix of commits). Opening
 *   the store reads each pack from its watermark, indexes the puts it finds (skipping an overwrite whose data
 *   fails its checksum) and cuts the file at the first header that does not check out: past the watermark lie
 *   only puts whose row a power cut took, unacknowledged puts, and moves that never committed (ignored: their
 *   original is still in place; see below).
 * - Deletes commit with FULL, and every row that was ever committed lies below its pack's watermark, so a delete
 *   that returned stays deleted. A pack whose write or fdatasync failed takes no more appends, and once those in
 *   flight have finished its watermark is moved durably past all of them: a failed put is never read back.
 * - A new pack's directory entry is synced before any put into it resolves. A pack is removed only when no row
 *   points into it and no append into it is still unindexed; its unlink is synced before its own row goes.
 *
 * Space: a pack other than the one being written is unlinked once its last object is deleted. When less than
 * half of it is still live, the delete that brought it there moves the live objects into the current pack (move
 * records; each row follows only if it still points at the original), makes those rows durable with a checkpoint,
 * then removes the pack. A rebuild without any index applies a move whose original pack is gone as a put; deletes
 * leave no trace in the packs, so such a rebuild also brings back deleted objects.
 *
 * One process per directory: the index holds an exclusive SQLite lock (DATA_DIR_LOCKED for a second opener).
 *
 * @example
 * const store = await PackObjectStore.open({ root: "/var/lib/strata/packs" });
 * await store.put("incoming/1/abc.batches", bytes);
 * const head = await store.get("incoming/1/abc.batches", { start: 0, end: 61 });
 */

import { type FileHandle, mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { crc32c } from "../format/crc32c.js";
import { errnoOf, objectNotFound, readRange, unavailable, validateRange } from "./file-io.js";
import { type FsyncPolicy, osSync, type SyncHooks } from "./fsync.js";
import type { ListPage, ObjectInfo, ObjectRange, ObjectStore } from "./object-store.js";
import { openLockedSqlite } from "./sqlite-open.js";

export interface PackObjectStoreOptions {
  root: string;
  fsync?: FsyncPolicy;
  /** replaces the OS sync calls (tests observe their order) */
  sync?: SyncHooks;
  /** a pack that reached this size takes no more puts (default 64 MiB) */
  packBytes?: number;
}

export const INDEX_FILE = "index.sqlite";
const PACK_SUFFIX = ".pack";
const DEFAULT_PACK_BYTES = 64 * 1024 * 1024;
/** S3's limit on a key's UTF-8 length */
const MAX_KEY_BYTES = 1024;
/** S3's default page size: callers must page either way. */
const DEFAULT_LIST_LIMIT = 1000;
/** a pack less than this fraction live is rewritten by the delete that brings it there */
const RECLAIM_BELOW = 0.5;

// ---- record layout (little-endian) -------------------------------------------------------------------------
// 0 CRC-32C of bytes 4..(28 + key length) | 4 magic u32 | 8 kind u8 | 9 flags u8 | 10 key length u16 |
// 12 data length u32 | 16 moved-from pack u32 (a put with FLAG_DATA_CRC: CRC-32C of the data) |
// 20 moved-from position f64 | 28 key | data
// Most data has no checksum here: every batch carries its CRC-32C, which fetch verifies, and a torn put of a key
// nobody else wrote is an orphan nobody reads. A put over a key that has (or is being given) a value carries one,
// so a torn overwrite is skipped on open instead of replacing the acknowledged value.
const MAGIC = 0x4b505453; // "STPK"
const HEADER_BYTES = 28;
const KIND_PUT = 1;
/** the same object, copied out of an emptying pack: applies only if the key still points where it came from */
const KIND_MOVE = 2;
/** a put whose bytes 16..20 hold the CRC-32C of its data */
const FLAG_DATA_CRC = 1;
/** an object's row, inserted or replaced (recovery adds the condition under which a record replaces a row) */
const UPSERT_OBJECT =
  "INSERT INTO objects (key, pack, pos, data, len) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET pack = excluded.pack, pos = excluded.pos, data = excluded.data, len = excluded.len";

interface RecordHeader {
  kind: number;
  key: string;
  keyLength: number;
  dataLength: number;
  fromPack: number;
  fromPos: number;
  /** a put's data checksum, when it carries one */
  dataCrc?: number;
}

function encodeHeader(
  kind: number,
  key: Uint8Array,
  dataLength: number,
  from: { pack: number; pos: number } | { dataCrc: number } | undefined,
): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + key.length);
  const view = new DataView(out.buffer);
  view.setUint32(4, MAGIC, true);
  view.setUint8(8, kind);
  view.setUint16(10, key.length, true);
  view.setUint32(12, dataLength, true);
  if (from !== undefined && "dataCrc" in from) {
    view.setUint8(9, FLAG_DATA_CRC);
    view.setUint32(16, from.dataCrc, true);
  } else if (from !== undefined) {
    view.setUint32(16, from.pack, true);
    view.setFloat64(20, from.pos, true);
  }
  out.set(key, HEADER_BYTES);
  view.setUint32(0, crc32c(out, 4), true);
  return out;
}

/** The record header (with its key) at the start of `bytes`, or undefined if it is torn, garbage or absent. */
function decodeHeader(bytes: Uint8Array): RecordHeader | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== MAGIC) return undefined;
  const kind = view.getUint8(8);
  const flags = view.getUint8(9);
  if ((kind !== KIND_PUT && kind !== KIND_MOVE) || (flags !== 0 && (kind !== KIND_PUT || flags !== FLAG_DATA_CRC))) {
    return undefined;
  }
  const keyLength = view.getUint16(10, true);
  if (keyLength === 0 || keyLength > MAX_KEY_BYTES || HEADER_BYTES + keyLength > bytes.length) return undefined;
  if (crc32c(bytes, 4, HEADER_BYTES + keyLength) !== view.getUint32(0, true)) return undefined;
  let key: string;
  try {
    key = strictUtf8.decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + keyLength));
  } catch {
    return undefined;
  }
  const header: RecordHeader = {
    kind,
    key,
    keyLength,
    dataLength: view.getUint32(12, true),
    fromPack: view.getUint32(16, true),
    fromPos: view.getFloat64(20, true),
  };
  if (flags === FLAG_DATA_CRC) header.dataCrc = header.fromPack;
  return header;
}

const packName = (id: number) => `${String(id).padStart(10, "0")}${PACK_SUFFIX}`;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

interface Row {
  pack: number;
  pos: number;
  data: number;
  len: number;
}

/** The pack this process appends to. */
interface ActivePack {
  id: number;
  handle: FileHandle;
  /** bytes reserved so far (the next record starts here) */
  size: number;
  /** the chain of writes: each starts when the previous one finished */
  writes: Promise<void>;
  /** writes completed, counted */
  written: number;
  /** writes known durable, counted */
  synced: number;
  syncing: Promise<void> | undefined;
  /** a write or sync failed: nothing more is acknowledged from this pack */
  failed: unknown;
  /** appends reserved and not finished: the handle stays open until they are */
  inflight: number;
  /** no longer the pack new appends go to */
  retired: boolean;
}

type Statement = Database.Statement<unknown[], unknown>;

export class PackObjectStore implements ObjectStore {
  readonly root: string;
  private readonly durable: boolean;
  private readonly sync: SyncHooks;
  private readonly packBytes: number;
  private readonly db: Database.Database;
  private readonly stmt: Record<
    "get" | "put" | "move" | "del" | "list" | "packLive" | "packRows" | "mark" | "addPack" | "nextPack" | "dropPack",
    Statement
  >;
  private active: ActivePack | undefined;
  private opening: Promise<ActivePack> | undefined;
  /**
   * The next pack, created while the current one fills past half: a roll then costs no file creation, index
   * commit or directory fsync on the path of the put that triggers it (undefined inside: creating it failed,
   * the roll creates one itself).
   */
  private spare: Promise<ActivePack | undefined> | undefined;
  private nextPackId: number;
  /**
   * A pack file created whose index row or directory sync failed (a full disk: SQLITE_FULL, ENOSPC): the next
   * pack is this one, tried again, so failed puts do not leave one empty file each.
   */
  private unready: { id: number; handle: FileHandle } | undefined;
  /** packs with an open handle: the current one, and retired ones whose appends are still finishing */
  private readonly openPacks = new Map<number, ActivePack>();
  /** packs whose emptiness is being looked at: callers meanwhile ask for another look and wait for it */
  private readonly settling = new Map<number, { again: boolean; done: Promise<void> }>();
  private closed = false;
  /** keys with a put in flight, counted: a second put of one is an overwrite (it carries a data checksum) */
  private readonly putting = new Map<string, number>();
  /** runs a function in one transaction: made once (better-sqlite3 builds four wrappers per transaction()) */
  private readonly inTransaction: (fn: () => void) => void;

  private constructor(options: PackObjectStoreOptions, db: Database.Database, nextPackId: number) {
    this.root = options.root;
    this.durable = (options.fsync ?? "always") === "always";
    this.sync = options.sync ?? osSync;
    this.packBytes = options.packBytes ?? DEFAULT_PACK_BYTES;
    this.db = db;
    this.nextPackId = nextPackId;
    this.inTransaction = db.transaction((fn: () => void) => fn());
    this.stmt = {
      get: db.prepare("SELECT pack, pos, data, len FROM objects WHERE key = ?"),
      put: db.prepare(UPSERT_OBJECT),
      move: db.prepare("UPDATE objects SET pack = ?, pos = ?, data = ? WHERE key = ? AND pack = ? AND pos = ?"),
      del: db.prepare("DELETE FROM objects WHERE key = ?"),
      list: db.prepare("SELECT key, len FROM objects WHERE key >= ? AND key > ? ORDER BY key LIMIT ?"),
      packLive: db.prepare(
        "SELECT count(*) AS n, coalesce(sum(data - pos + len), 0) AS bytes FROM objects WHERE pack = ?",
      ),
      packRows: db.prepare("SELECT key, pos, data, len FROM objects WHERE pack = ? ORDER BY pos"),
      mark: db.prepare("UPDATE packs SET indexed_end = max(indexed_end, ?) WHERE id = ?"),
      addPack: db.prepare("INSERT OR IGNORE INTO packs (id, indexed_end) VALUES (?, 0)"),
      nextPack: db.prepare(
        "INSERT INTO meta (name, value) VALUES ('next_pack', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
      ),
      dropPack: db.prepare("DELETE FROM packs WHERE id = ?"),
    };
  }

  /** Opens (or creates) the store and brings the index up to date with what the packs hold. */
  static async open(options: PackObjectStoreOptions): Promise<PackObjectStore> {
    const durable = (options.fsync ?? "always") === "always";
    await mkdir(options.root, { recursive: true });
    // NORMAL, not FULL: a put's durability is its pack's fdatasync; the index is rebuilt from the packs.
    const db = openLockedSqlite(join(options.root, INDEX_FILE), durable ? "NORMAL" : "OFF", "object index");
    try {
      db.exec(
        "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY NOT NULL, pack INTEGER NOT NULL, pos INTEGER NOT NULL, data INTEGER NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID",
      );
      db.exec("CREATE INDEX IF NOT EXISTS objects_pack ON objects (pack, pos)");
      db.exec("CREATE TABLE IF NOT EXISTS packs (id INTEGER PRIMARY KEY, indexed_end INTEGER NOT NULL)");
      // the next pack id survives the removal of the newest pack: an id is never used twice, so a move record
      // (which names the pack its object came from) can never be mistaken for one about a later pack
      db.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      const maxId = await recover(db, options.root, options.sync ?? osSync, durable);
      const next = db.prepare("SELECT value FROM meta WHERE name = 'next_pack'").pluck().get() as number | undefined;
      const store = new PackObjectStore(options, db, Math.max(maxId + 1, next ?? 1));
      await store.dropEmptyPacks();
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    this.checkOpen();
    const keyBytes = checkKey(key);
    if (!(body instanceof Uint8Array)) throw new InvalidArgumentError("body", "body must be bytes");
    if (body.length > 0xffffffff) throw new InvalidArgumentError("body", "an object holds at most 4 GiB - 1");
    // An overwrite checksums its data: torn by a power cut, it must not replace the value acknowledged before.
    // Its own copy: the checksum must be of the bytes written, whatever the caller does with its buffer meanwhile.
    const overwrite = this.putting.has(key) || this.stmt.get.get(key) !== undefined;
    const data = overwrite ? new Uint8Array(body) : body; // a copy also of a Buffer (whose slice() is a view)
    const header = encodeHeader(KIND_PUT, keyBytes, data.length, overwrite ? { dataCrc: crc32c(data) } : undefined);
    this.putting.set(key, (this.putting.get(key) ?? 0) + 1);
    try {
      await this.append(header, data, key, (pack, pos, at) =>
        this.commit(() => {
          this.stmt.put.run(key, pack, pos, at, data.length);
          this.stmt.mark.run(at + data.length, pack);
        }),
      );
    } finally {
      const left = (this.putting.get(key) ?? 1) - 1;
      if (left === 0) this.putting.delete(key);
      else this.putting.set(key, left);
    }
  }

  async get(key: string, range?: ObjectRange): Promise<Uint8Array> {
    this.checkOpen();
    checkKey(key);
    if (range !== undefined) validateRange(range);
    for (let attempt = 0; ; attempt++) {
      const row = this.stmt.get.get(key) as Row | undefined;
      if (row === undefined) throw objectNotFound(key);
      const start = row.data + Math.min(range?.start ?? 0, row.len);
      const end = row.data + Math.min(range?.end ?? row.len, row.len);
      try {
        return await this.readPack(row.pack, start, end);
      } catch (e) {
        // moved or deleted (its pack unlinked) between the lookup and the read: look again
        if (errnoOf(e) === "ENOENT" && attempt < 3) {
          const now = this.stmt.get.get(key) as Row | undefined;
          if (now === undefined || now.pack !== row.pack || now.pos !== row.pos) continue;
          const what = `pack ${packName(row.pack)} holding ${JSON.stringify(key)} is missing`;
          throw new StrataError("CORRUPT_DATA", what, { cause: e });
        }
        throw unavailable(e, "get", key);
      }
    }
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    checkKey(key);
    const row = this.stmt.get.get(key) as Row | undefined;
    if (row === undefined) return;
    this.commitDurably(() => this.stmt.del.run(key));
    // the delete is done; freeing space is the store's business, retried by later deletes and on open
    await this.afterRemoval(row.pack).catch(() => {});
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ListPage> {
    this.checkOpen();
    if (typeof prefix !== "string") throw new InvalidArgumentError("prefix", "prefix must be a string");
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError("limit", "limit must be an integer >= 1");
    // TEXT compares as memcmp of UTF-8 (BINARY collation): S3's order. Keys with the prefix are contiguous.
    const rows = this.stmt.list.all(prefix, options.startAfter ?? "", limit + 1) as { key: string; len: number }[];
    const objects: ObjectInfo[] = [];
    for (const r of rows) {
      if (!r.key.startsWith(prefix)) break;
      if (objects.length === limit) return { objects, next: objects[limit - 1]!.key };
      objects.push({ key: r.key, size: r.len });
    }
    return { objects };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening?.catch(() => undefined);
    await this.spare; // its handle is closed below with the others; its empty file goes on the next open
    await this.unready?.handle.close().catch(() => {}); // the same for a pack that never became ready
    this.unready = undefined;
    for (const pack of this.openPacks.values()) {
      await pack.writes.catch(() => {});
      await pack.syncing?.catch(() => {});
      await pack.handle.close().catch(() => {});
    }
    this.openPacks.clear();
    this.db.close();
  }

  // ---- writing ----

  /**
   * Appends one record and, once it is durable, runs `indexed` (the index change that makes it count). The pack
   * cannot be removed before that: a retired pack is looked at only after its last append got that far.
   */
  private async append(
    header: Uint8Array,
    body: Uint8Array,
    key: string,
    indexed: (pack: number, pos: number, data: number) => void,
  ): Promise<void> {
    const { pack, pos } = await this.packFor(header.length + body.length);
    try {
      const write = pack.writes.then(async () => {
        // bytes after a failed write may follow a hole: this put goes again, into a new pack
        if (pack.failed !== undefined) throw retryElsewhere(pack.failed);
        try {
          await writeAll(pack.handle, [header, body], pos);
          pack.written++;
        } catch (e) {
          this.fail(pack, e);
          throw e;
        }
      });
      pack.writes = write.catch(() => {});
      await write;
      if (this.durable) await this.syncUpTo(pack, pack.written);
      indexed(pack.id, pos, pos + header.length);
    } catch (e) {
      throw unavailable(e, "put", key);
    } finally {
      pack.inflight--;
      if (pack.retired && pack.inflight === 0) this.release(pack);
    }
  }

  /** A retired pack's last append finished: close its handle and see whether it can already go. */
  private release(pack: ActivePack): void {
    if (this.closed) return;
    this.openPacks.delete(pack.id);
    if (pack.failed !== undefined) {
      // Records after the failure were never acknowledged and must never be read back (a later delete of their
      // key would find no row and leave them to come back on open): the watermark moves past all of them.
      try {
        this.commitDurably(() => this.stmt.mark.run(pack.size, pack.id));
      } catch {
        // the index is failing too; reopening reads the tail, and what it finds are unacknowledged puts
      }
    }
    void pack.handle
      .close()
      .catch(() => {})
      .then(() => this.afterRemoval(pack.id))
      .catch(() => {}); // a removal that fails is tried again by the next delete touching the pack, or on open
  }

  /** The first failure of a pack: it takes no more appends, and goes once those in flight have finished. */
  private fail(pack: ActivePack, e: unknown): void {
    if (pack.failed !== undefined) return;
    pack.failed = e;
    if (this.active === pack) this.active = undefined;
    pack.retired = true;
  }

  /** Group commit: one fdatasync covers every write completed before it started. */
  private async syncUpTo(pack: ActivePack, count: number): Promise<void> {
    while (pack.synced < count) {
      if (pack.failed !== undefined) throw pack.failed;
      if (pack.syncing === undefined) {
        const target = pack.written;
        pack.syncing = this.sync
          .file(pack.handle)
          .then(
            () => {
              if (pack.failed === undefined) pack.synced = Math.max(pack.synced, target);
            },
            (e: unknown) => {
              this.fail(pack, e);
            },
          )
          .finally(() => {
            pack.syncing = undefined;
          });
      }
      await pack.syncing;
    }
    // a sync that failed after ours succeeded does not take back what ours covered
  }

  /** Reserves `bytes` at the end of the current pack, or of a new one once it is full or failed. */
  private async packFor(bytes: number): Promise<{ pack: ActivePack; pos: number }> {
    for (;;) {
      if (this.opening) {
        await this.opening.catch(() => {});
        continue;
      }
      const current = this.active;
      const fits = current !== undefined && (current.size === 0 || current.size + bytes <= this.packBytes);
      if (current && fits && current.failed === undefined && !current.retired) {
        // checked and reserved in one step: no other append can slip in between
        const pos = current.size;
        current.size += bytes;
        current.inflight++;
        if (this.spare === undefined && !this.closed && current.size > this.packBytes / 2) {
          this.spare = this.createPack().catch(() => undefined);
        }
        return { pack: current, pos };
      }
      // the new pack is current before anyone can see the opening finished
      this.opening = this.openPack(current)
        .then((pack) => {
          this.active = pack;
          return pack;
        })
        .finally(() => {
          this.opening = undefined;
        });
      await this.opening;
    }
  }

  /** The next pack (the spare if there is one, see `spare`); `previous` takes no more appends. */
  private async openPack(previous: ActivePack | undefined): Promise<ActivePack> {
    const spare = await this.spare;
    this.spare = undefined;
    const pack = spare ?? (await this.createPack());
    if (previous && !previous.retired) {
      previous.retired = true;
      if (previous.inflight === 0) this.release(previous);
    }
    return pack;
  }

  /** A new, empty pack file with its index row, its directory entry durable. */
  private async createPack(): Promise<ActivePack> {
    let created = this.unready;
    this.unready = undefined;
    if (created === undefined) {
      const id = this.nextPackId++;
      const handle = await open(join(this.root, packName(id)), "wx").catch((e: unknown) => {
        throw unavailable(e, "put", packName(id));
      });
      created = { id, handle };
    }
    const { id, handle } = created;
    if (this.closed) {
      // closed meanwhile (an append of a reclaim that close() interrupted): no handle may outlive close()
      await handle.close().catch(() => {});
      throw new StrataError("UNAVAILABLE", "object store is closed");
    }
    try {
      // its row first: a pack file without one is read from the start when the store opens (both steps can be
      // run again: the row is inserted if missing, next_pack only grows)
      this.commit(() => {
        this.stmt.addPack.run(id);
        this.stmt.nextPack.run(id + 1);
      });
      if (this.durable) await this.sync.dir(this.root);
    } catch (e) {
      // kept for the next pack; a second one failing meanwhile is closed (its empty file goes on the next open)
      if (this.unready === undefined && !this.closed) this.unready = created;
      else await handle.close().catch(() => {});
      throw unavailable(e, "put", packName(id));
    }
    const pack: ActivePack = {
      id,
      handle,
      size: 0,
      writes: Promise.resolve(),
      written: 0,
      synced: 0,
      syncing: undefined,
      failed: undefined,
      inflight: 0,
      retired: false,
    };
    this.openPacks.set(id, pack);
    return pack;
  }

  // ---- space ----

  /**
   * After a pack lost objects: remove it once empty, rewrite it once mostly dead. Never while it has an open
   * handle (it is current, or appends into it have not indexed their records yet), and one look at a time per
   * pack: a call that comes in meanwhile makes the running one look again.
   */
  private async afterRemoval(packId: number): Promise<void> {
    if (this.closed || this.openPacks.has(packId)) return;
    const running = this.settling.get(packId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    this.settling.set(packId, state);
    state.done = (async () => {
      try {
        do {
          state.again = false;
          if (this.closed || this.openPacks.has(packId)) return;
          const live = this.stmt.packLive.get(packId) as { n: number; bytes: number };
          if (live.n === 0) {
            await this.removePack(packId);
            return;
          }
          const size = await fileSize(join(this.root, packName(packId)));
          if (size !== undefined && live.bytes < size * RECLAIM_BELOW) await this.reclaim(packId);
        } while (state.again);
      } finally {
        this.settling.delete(packId);
      }
    })();
    return state.done;
  }

  /** Moves every live object out of a pack, then removes it. */
  private async reclaim(packId: number): Promise<void> {
    const rows = this.stmt.packRows.all(packId) as (Row & { key: string })[];
    for (const r of rows) {
      let body: Uint8Array;
      try {
        body = await this.readPack(packId, r.data, r.data + r.len);
      } catch (e) {
        throw unavailable(e, "reclaim", r.key);
      }
      const header = encodeHeader(KIND_MOVE, utf8.encode(r.key), body.length, { pack: packId, pos: r.pos });
      // the row follows only if it still points here: a delete or an overwrite meanwhile wins
      await this.append(header, body, r.key, (pack, pos, data) =>
        this.commit(() => {
          this.stmt.move.run(pack, pos, data, r.key, packId, r.pos);
          this.stmt.mark.run(data + body.length, pack);
        }),
      );
    }
    // durable before the pack can go: every row now points at its copy (or was deleted meanwhile)
    this.barrier();
    const live = this.stmt.packLive.get(packId) as { n: number };
    if (live.n === 0) await this.removePack(packId);
  }

  private async removePack(packId: number): Promise<void> {
    try {
      await unlink(join(this.root, packName(packId)));
    } catch (e) {
      if (errnoOf(e) !== "ENOENT") throw unavailable(e, "delete", packName(packId));
    }
    // the unlink is durable before the row goes: a pack file without a row would be read again from its start
    if (this.durable) await this.sync.dir(this.root);
    this.commitDurably(() => this.stmt.dropPack.run(packId));
  }

  /** Packs left empty by an earlier run (or by a crash between a delete and the removal). */
  private async dropEmptyPacks(): Promise<void> {
    const ids = this.db.prepare("SELECT id FROM packs ORDER BY id").pluck().all() as number[];
    for (const id of ids) {
      const live = this.stmt.packLive.get(id) as { n: number };
      if (live.n === 0) await this.removePack(id);
    }
  }

  // ---- helpers ----

  private async readPack(packId: number, start: number, end: number): Promise<Uint8Array> {
    const handle = await open(join(this.root, packName(packId)), "r");
    try {
      return await readRange(handle, start, end);
    } finally {
      await handle.close();
    }
  }

  /** An index change whose durability comes from the packs (rebuilt on open). */
  private commit(fn: () => void): void {
    try {
      this.inTransaction(fn);
    } catch (e) {
      throw unavailable(e, "index", "");
    }
  }

  /** An index change that must survive a power cut by itself (deletes, moves, pack removal). */
  private commitDurably(fn: () => void): void {
    if (!this.durable) {
      this.commit(fn);
      return;
    }
    this.db.pragma("synchronous = FULL");
    try {
      this.commit(fn);
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
  }

  /** Every index change so far made durable (a checkpoint syncs the WAL before it copies it). */
  private barrier(): void {
    if (!this.durable) return;
    try {
      this.db.pragma("wal_checkpoint(FULL)");
    } catch (e) {
      throw unavailable(e, "index", "");
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StrataError("UNAVAILABLE", "object store is closed");
  }
}

/**
 * Brings the index up to date: every pack file is read from its watermark (from its start when it has no row),
 * its records indexed, and a torn tail cut off. Rows of packs whose file is gone are kept when objects still
 * point into them (a get then reports CORRUPT_DATA) and dropped otherwise. Returns the highest pack id seen.
 */
async function recover(db: Database.Database, root: string, sync: SyncHooks, durable: boolean): Promise<number> {
  const files = (await readdir(root))
    .filter((n) => /^\d{10}\.pack$/.test(n))
    .map((n) => Number(n.slice(0, 10)))
    .sort((a, b) => a - b);
  const present = new Set(files);
  const marks = new Map(
    (db.prepare("SELECT id, indexed_end FROM packs").all() as { id: number; indexed_end: number }[]).map((r) => [
      r.id,
      r.indexed_end,
    ]),
  );
  // a record read back never replaces a newer one (an overwrite stored later in the log of packs)
  const put = db.prepare(`${UPSERT_OBJECT} WHERE (excluded.pack, excluded.pos) > (objects.pack, objects.pos)`);
  // a move stands for the value at its origin: it never replaces one stored after that origin (an overwrite that
  // landed between the reclaim's read and the move record lies before the move in the pack, yet is newer)
  const moved = db.prepare(`${UPSERT_OBJECT} WHERE (objects.pack, objects.pos) < (?, ?)`);
  const setMark = db.prepare(
    "INSERT INTO packs (id, indexed_end) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET indexed_end = excluded.indexed_end",
  );
  for (const id of files) {
    const path = join(root, packName(id));
    const handle = await open(path, "r+");
    try {
      const size = (await handle.stat()).size;
      let pos = marks.get(id) ?? 0;
      const found: { header: RecordHeader; pos: number; data: number }[] = [];
      for (;;) {
        const record = await readRecordHeader(handle, pos, size);
        if (record === undefined) break;
        const data = pos + HEADER_BYTES + record.keyLength;
        if (data + record.dataLength > size) break;
        // An overwrite whose data fails its checksum (torn, or damaged) is not indexed: the value before it stays.
        // Its header checked out, so the records after it are still found where it says.
        const intact =
          record.dataCrc === undefined ||
          crc32c(await readRange(handle, data, data + record.dataLength)) === record.dataCrc;
        if (intact) found.push({ header: record, pos, data });
        pos = data + record.dataLength;
      }
      db.transaction(() => {
        for (const { header: h, pos: at, data } of found) {
          if (h.kind === KIND_PUT) put.run(h.key, id, at, data, h.dataLength);
          // A move past the watermark never committed (its pack is only removed after its row is durable, which
          // also moves the watermark past it), so the original is still there and still right; its data may be
          // torn. Only when the original's pack is gone (the index was lost and is being rebuilt) is the copy the
          // object.
          else if (!present.has(h.fromPack)) moved.run(h.key, id, at, data, h.dataLength, h.fromPack, h.fromPos);
        }
        setMark.run(id, pos);
      })();
      if (pos < size) {
        // a torn tail: only unacknowledged puts lie past the last record that checks out
        await handle.truncate(pos);
        if (durable) await sync.file(handle);
      }
    } finally {
      await handle.close();
    }
  }
  for (const id of marks.keys()) {
    if (present.has(id)) continue;
    const live = db.prepare("SELECT count(*) FROM objects WHERE pack = ?").pluck().get(id) as number;
    if (live === 0) db.prepare("DELETE FROM packs WHERE id = ?").run(id);
  }
  // the scan's rows are durable before anything new is appended
  if (durable) db.pragma("wal_checkpoint(FULL)");
  return Math.max(0, ...files, ...marks.keys());
}

async function readRecordHeader(handle: FileHandle, pos: number, size: number): Promise<RecordHeader | undefined> {
  if (pos + HEADER_BYTES > size) return undefined;
  return decodeHeader(await readRange(handle, pos, Math.min(size, pos + HEADER_BYTES + MAX_KEY_BYTES)));
}

async function writeAll(handle: FileHandle, parts: Uint8Array[], position: number): Promise<void> {
  let at = position;
  let pending = parts.filter((p) => p.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const p of pending) {
      if (skip >= p.length) skip -= p.length;
      else {
        rest.push(skip > 0 ? p.subarray(skip) : p);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/** undefined when the file is gone (removed meanwhile) */
const fileSize = (path: string): Promise<number | undefined> =>
  stat(path).then(
    (info) => info.size,
    () => undefined,
  );

function checkKey(key: string): Uint8Array {
  if (typeof key !== "string" || key.length === 0 || key.includes("\0")) {
    throw new InvalidArgumentError("key", "an object key must be a non-empty string without NUL");
  }
  const bytes = utf8.encode(key);
  // a lone surrogate would be stored as U+FFFD: another key than the one asked for
  if (bytes.length > MAX_KEY_BYTES || lenientUtf8.decode(bytes) !== key) {
    throw new InvalidArgumentError("key", `object key must be well-formed UTF-8 of at most ${MAX_KEY_BYTES} bytes`);
  }
  return bytes;
}

/** A put that never reached the disk because an earlier one in its pack failed: safe to try again. */
function retryElsewhere(cause: unknown): StrataError {
  return new StrataError("UNAVAILABLE", "an earlier write to this pack failed; the next put goes to a new pack", {
    retriable: true,
    cause,
  });
}
