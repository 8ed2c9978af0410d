/**
 * The Ledger port on SQLite (better-sqlite3, synchronous): the embedded backend's DynamoDB.
 *
 * One table, items(pk, sk, attrs JSON), primary key (pk, sk) WITHOUT ROWID, so a query is an index range
 * scan in sk order. TEXT compares with the BINARY collation, i.e. memcmp of UTF-8: DynamoDB's order.
 *
 * Every write runs in a savepoint of its own: conditions are read and evaluated in JavaScript, then the writes
 * are applied, so transact() is atomic and a failed condition writes nothing. Condition semantics mirror
 * DynamoDB as measured on DynamoDB Local (see test/conformance/ledger-suite.ts).
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
  type AttrValue,
  type Condition,
  ConditionFailedError,
  type ConditionFailure,
  type Item,
  type ItemKey,
  type Ledger,
  MAX_TRANSACTION_ITEMS,
  type QueryOptions,
  type WriteOp,
} from "./ledger.js";
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
    validateString(pk, "pk");
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
      if (op.condition !== undefined && !evaluate(op.condition, current)) {
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

function applyUpdate(attrs: Attrs, op: Extract<WriteOp, { type: "update" }>): Attrs {
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

/** DynamoDB's condition semantics; see the module comment. */
export function evaluate(c: Condition, item: Attrs | undefined): boolean {
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
      return c.conditions.every((x) => evaluate(x, item));
    case "or":
      return c.conditions.some((x) => evaluate(x, item));
    case "eq":
      return isEqual(attrOf(item, c.attr), c.value);
    case "ne":
      // DynamoDB: `a <> v` is true for a missing attribute, a missing item and a value of another type
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
 * Compares strings by their UTF-8 bytes (= code point order) without encoding them. UTF-16 order differs
 * only where a surrogate (a code point >= U+10000) meets a unit in U+E000..U+FFFF: remap so surrogates sort last.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
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

/**
 * The smallest string greater than every string starting with `prefix` (undefined: none), so beginsWith
 * becomes the index range [prefix, bound).
 */
export function prefixUpperBound(prefix: string): string | undefined {
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

/** The SQL (by shape, so statements are cached) and parameters of a query; sql undefined: nothing matches. */
function buildQuery(pk: string, o: QueryOptions): { sql?: string; params: unknown[] } {
  const where = ["pk = ?"];
  const params: unknown[] = [pk];
  const bound = (sqlOp: string, value: string | undefined, field: string) => {
    if (value === undefined) return;
    validateString(value, field, true);
    where.push(`sk ${sqlOp} ?`);
    params.push(value);
  };
  bound(">", o.gt, "gt");
  bound(">=", o.gte, "gte");
  bound("<", o.lt, "lt");
  bound("<=", o.lte, "lte");
  if (o.beginsWith !== undefined) {
    bound(">=", o.beginsWith, "beginsWith");
    bound("<", prefixUpperBound(o.beginsWith), "beginsWith");
  }
  if (o.limit !== undefined) {
    if (!Number.isInteger(o.limit) || o.limit < 0)
      throw new InvalidArgumentError("limit", "limit must be an integer >= 0");
    if (o.limit === 0) return { params };
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

function validateString(value: unknown, field: string, allowEmpty = false): void {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new InvalidArgumentError(field, `${field} must be a ${allowEmpty ? "" : "non-empty "}string`);
  }
}

function validateKey(key: ItemKey, field: string): void {
  // DynamoDB rejects empty key strings; reject them here too so both backends agree
  validateString(key?.pk, `${field}.pk`);
  validateString(key?.sk, `${field}.sk`);
}

function validateTransaction(ops: WriteOp[]): void {
  if (!Array.isArray(ops)) throw new InvalidArgumentError("ops", "ops must be an array");
  if (ops.length > MAX_TRANSACTION_ITEMS) {
    throw new InvalidArgumentError(
      "ops",
      `a transaction holds at most ${MAX_TRANSACTION_ITEMS} operations, got ${ops.length}`,
    );
  }
  const seen = new Set<string>();
  for (const [i, op] of ops.entries()) {
    validateOp(op, `ops[${i}]`);
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

function validateOp(op: WriteOp, field: string): void {
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
const MAX_CONDITION_DEPTH = 32;

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
