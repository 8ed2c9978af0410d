/**
 * The Ledger port on SQLite (better-sqlite3, synchronous): the embedded backend's DynamoDB.
 *
 * One table, items(pk, sk, attrs JSON), primary key (pk, sk) WITHOUT ROWID, so a query is an index range
 * scan in sk order. TEXT compares with the BINARY collation, i.e. memcmp of UTF-8: DynamoDB's order.
 *
 * Every write runs in a savepoint of its own: conditions are read and evaluated in JavaScript (ledger-model.ts,
 * DynamoDB's semantics), then the writes are applied, so transact() is atomic and a failed condition writes
 * nothing. `path: ":memory:"` gives a private in-memory ledger (tests), with the same code and semantics.
 *
 * Group commit: the writes issued in one turn of the event loop (the produces whose objects one fdatasync
 * made durable continue together) are applied in order in one BEGIN IMMEDIATE transaction, each in its own
 * savepoint, and committed once: one WAL fsync for all of them instead of one each. Every caller is answered
 * after that commit, so a write is never visible, nor a condition failure reported, before it is durable.
 *
 * One process per data directory: the connection runs with locking_mode=EXCLUSIVE and takes the write lock
 * when it opens, and keeps it until it closes. The OS releases the lock when the process dies (even on
 * kill -9), so there is never a stale lock file; a second opener gets StrataError("DATA_DIR_LOCKED").
 *
 * @example
 * const ledger = new SqliteLedger({ path: "/var/lib/strata/ledger.sqlite" });
 * await ledger.write({ type: "put", key: { pk: "topic#orders", sk: "meta" }, attrs: { partitions: 3 }, condition: { op: "notExists" } });
 */
import type Database from "better-sqlite3";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { insufficientStorage, isOutOfSpace } from "./file-io.js";
import type { FsyncPolicy } from "./fsync.js";
import {
  type Attrs,
  ConditionFailedError,
  type ConditionFailure,
  type Item,
  type ItemKey,
  type Ledger,
  type QueryOptions,
  type WriteOp,
} from "./ledger.js";
import {
  applyUpdate,
  evaluateCondition,
  prefixEnd,
  validateKey,
  validateOp,
  validateQuery,
  validateTransaction,
} from "./ledger-model.js";
import { openLockedSqlite } from "./sqlite-open.js";

export interface SqliteLedgerOptions {
  /** the database file; created if absent */
  path: string;
  /** "always": synchronous=FULL, every commit is fsynced; "never": synchronous=OFF (see fsync.ts) */
  fsync?: FsyncPolicy;
}

type Statement = Database.Statement<unknown[], unknown>;

/** A write waiting for its group's commit. */
interface Queued {
  ops: WriteOp[];
  resolve(): void;
  reject(e: unknown): void;
}

/** What one operation will do once every condition in its transaction has held. */
type Planned = { kind: "upsert"; key: ItemKey; json: string } | { kind: "delete"; key: ItemKey } | { kind: "none" };

export class SqliteLedger implements Ledger {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly getStmt: Statement;
  private readonly upsertStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly queryStmts = new Map<string, Statement>();
  /** applies a group of writes in one transaction; per write, undefined or the error that rolled it back */
  private readonly runGroup: (writes: Queued[]) => unknown[];
  private readonly queue: Queued[] = [];
  private flushQueued = false;
  private commitCount = 0;
  private closed = false;

  constructor(options: SqliteLedgerOptions) {
    this.path = options.path;
    this.db = openLocked(options.path, options.fsync ?? "always");
    this.getStmt = this.db.prepare("SELECT attrs FROM items WHERE pk = ? AND sk = ?").pluck();
    this.upsertStmt = this.db.prepare(
      "INSERT INTO items (pk, sk, attrs) VALUES (?, ?, ?) ON CONFLICT (pk, sk) DO UPDATE SET attrs = excluded.attrs",
    );
    this.deleteStmt = this.db.prepare("DELETE FROM items WHERE pk = ? AND sk = ?");
    // nested in the group's transaction, a write is a savepoint: throwing rolls back that write only
    const one = this.db.transaction((ops: WriteOp[]) => this.applyAll(ops));
    const group = this.db.transaction((writes: Queued[]) =>
      writes.map((w) => {
        try {
          one(w.ops);
          return undefined;
        } catch (e) {
          // The write's savepoint is rolled back and the error is that write's answer (a condition that
          // failed, an update that cannot apply, a statement SQLite refused), unless SQLite rolled back the
          // whole transaction (SQLITE_FULL, an I/O error): then the group ends and every write fails.
          if (!this.db.inTransaction) throw e;
          return e instanceof StrataError ? e : this.toStrataError(e);
        }
      }),
    );
    // IMMEDIATE: take the write lock before the first read, so conditions and writes see one state.
    this.runGroup = (writes) => group.immediate(writes);
  }

  /** Commits so far (each one group of writes): tests observe the group commit through it. */
  get commits(): number {
    return this.commitCount;
  }

  async get(key: ItemKey): Promise<Item | undefined> {
    validateKey(key, "key");
    const attrs = this.readAttrs(key);
    return attrs === undefined ? undefined : { pk: key.pk, sk: key.sk, attrs };
  }

  async query(pk: string, options: QueryOptions = {}): Promise<Item[]> {
    const { sql, params } = buildQuery(pk, options);
    if (sql === undefined) return [];
    let stmt = this.queryStmts.get(sql);
    if (stmt === undefined) {
      stmt = this.guard(() => this.db.prepare(sql).raw());
      this.queryStmts.set(sql, stmt);
    }
    const rows = this.guard(() => (stmt as Statement).all(...params)) as [string, string][];
    return rows.map(([sk, json]) => ({ pk, sk, attrs: JSON.parse(json) as Attrs }));
  }

  async write(op: WriteOp): Promise<void> {
    validateOp(op, "op");
    const [copy] = copyOps([op], "op");
    validateOp(copy as WriteOp, "op");
    return this.submit([copy as WriteOp]);
  }

  async transact(ops: WriteOp[]): Promise<void> {
    validateTransaction(ops);
    if (ops.length === 0) return;
    const copy = copyOps(ops, "ops");
    validateTransaction(copy);
    return this.submit(copy);
  }

  /**
   * Queues a write for this turn's group (see the module comment). The ops are this call's own copy (see
   * copyOps): what the caller changes afterwards is not stored, as the DynamoDB adapter renders its request in
   * the call.
   */
  private submit(ops: WriteOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new StrataError("UNAVAILABLE", `ledger ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushQueued = false;
    const writes = this.queue.splice(0);
    if (writes.length === 0) return;
    let outcomes: unknown[];
    try {
      outcomes = this.guard(() => this.runGroup(writes));
      this.commitCount++;
    } catch (e) {
      for (const w of writes) w.reject(e);
      return;
    }
    writes.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) w.resolve();
      else w.reject(outcome);
    });
  }

  /**
   * DynamoDB's TTL, emulated: deletes the items whose numeric `ttl` attribute (seconds since the epoch) is in
   * the past. As on DynamoDB, Strata never relies on when this happens (an expired item reads as absent to the
   * code that set the ttl); it only keeps the table from growing. The local server calls it with maintenance.
   */
  async expire(nowSeconds: number): Promise<number> {
    return this.guard(
      () =>
        this.db
          .prepare(
            "DELETE FROM items WHERE json_extract(attrs, '$.ttl') IS NOT NULL AND json_extract(attrs, '$.ttl') < ?",
          )
          .run(nowSeconds).changes,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush(); // writes already queued are committed (or fail) first
    this.closed = true;
    this.db.close(); // releases the exclusive lock
  }

  /** Inside the transaction: evaluate every condition, then write only if all held. */
  private applyAll(ops: WriteOp[]): void {
    const plans: Planned[] = [];
    let failures: ConditionFailure[] | undefined;
    for (const [i, op] of ops.entries()) {
      // reads only when a condition or an update needs the current item: an unconditional put is one write
      const needsCurrent = op.condition !== undefined || op.type === "update";
      const current = needsCurrent ? this.readAttrs(op.key) : undefined;
      if (op.condition !== undefined && !evaluateCondition(op.condition, current)) {
        failures ??= ops.map(() => ({ failed: false }));
        failures[i] = current === undefined ? { failed: true } : { failed: true, item: { ...op.key, attrs: current } };
        continue;
      }
      if (failures === undefined) plans.push(plan(op, current));
    }
    if (failures !== undefined) throw new ConditionFailedError(failures);
    for (const p of plans) {
      if (p.kind === "upsert") this.upsertStmt.run(p.key.pk, p.key.sk, p.json);
      else if (p.kind === "delete") this.deleteStmt.run(p.key.pk, p.key.sk);
    }
  }

  private readAttrs(key: ItemKey): Attrs | undefined {
    const json = this.guard(() => this.getStmt.get(key.pk, key.sk)) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as Attrs);
  }

  /** SQLite errors become StrataErrors; ours pass through. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw e instanceof StrataError ? e : this.toStrataError(e);
    }
  }

  private toStrataError(e: unknown): StrataError {
    if (this.closed || !this.db.open) {
      return new StrataError("UNAVAILABLE", `ledger ${this.path} is closed`, { cause: e });
    }
    if (isOutOfSpace(e)) return insufficientStorage(e, `ledger ${this.path}`);
    const code = (e as { code?: string }).code ?? "";
    const retriable = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
    return new StrataError("UNAVAILABLE", `ledger ${this.path}: ${(e as Error).message}`, { retriable, cause: e });
  }
}

/** Opens the database, takes the exclusive lock for the life of the connection and creates the schema. */
function openLocked(path: string, fsync: FsyncPolicy): Database.Database {
  const db = openLockedSqlite(path, fsync === "always" ? "FULL" : "OFF", "ledger");
  try {
    db.exec(
      "CREATE TABLE IF NOT EXISTS items (pk TEXT NOT NULL, sk TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID",
    );
    // Items that carry a `ttl` (expiring leases, producer state): indexed so expiry never scans the table.
    db.exec(
      "CREATE INDEX IF NOT EXISTS items_ttl ON items (json_extract(attrs, '$.ttl')) WHERE json_extract(attrs, '$.ttl') IS NOT NULL",
    );
    return db;
  } catch (e) {
    db.close();
    throw new StrataError("UNAVAILABLE", `cannot open ledger ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The new state of an item whose condition held. */
function plan(op: WriteOp, current: Attrs | undefined): Planned {
  switch (op.type) {
    case "put":
      return { kind: "upsert", key: op.key, json: JSON.stringify(op.attrs) };
    case "delete":
      return { kind: "delete", key: op.key };
    case "check":
      return { kind: "none" };
    case "update":
      return { kind: "upsert", key: op.key, json: JSON.stringify(applyUpdate(current ?? {}, op)) };
  }
}

/** The SQL (by shape, so statements are cached) and parameters of a query; sql undefined: nothing matches. */
function buildQuery(pk: string, o: QueryOptions): { sql?: string; params: unknown[] } {
  validateQuery(pk, o);
  if (o.limit === 0) return { params: [] };
  const where = ["pk = ?"];
  const params: unknown[] = [pk];
  const bound = (sqlOp: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`sk ${sqlOp} ?`);
    params.push(value);
  };
  bound(">", o.gt);
  bound(">=", o.gte);
  bound("<", o.lt);
  bound("<=", o.lte);
  if (o.beginsWith !== undefined) {
    bound(">=", o.beginsWith);
    bound("<", prefixEnd(o.beginsWith));
  }
  params.push(o.limit ?? -1);
  const sql = `SELECT sk, attrs FROM items WHERE ${where.join(" AND ")} ORDER BY sk ${o.reverse ? "DESC" : "ASC"} LIMIT ?`;
  return { sql, params };
}

/**
 * A copy of validated ops made of the JSON they are stored as: plain data, whatever the caller passed (proxies,
 * getters), and validated again by the caller, so what is stored is what was validated. The originals are
 * validated first, for errors that name the caller's field (JSON would turn NaN into null silently).
 */
function copyOps(ops: WriteOp[], field: string): WriteOp[] {
  try {
    return JSON.parse(JSON.stringify(ops)) as WriteOp[];
  } catch (e) {
    throw new InvalidArgumentError(field, `operations must be plain JSON data: ${(e as Error).message}`);
  }
}
