/**
 * Opening a SQLite database that this process owns alone (the ledger, the pack index): WAL, an exclusive lock
 * taken at open and held until close, so a second process fails at once with DATA_DIR_LOCKED instead of
 * interleaving writes. The OS releases the lock when the process dies, even on kill -9.
 */
import Database from "better-sqlite3";
import { StrataError } from "../errors.js";

export type Synchronous = "FULL" | "NORMAL" | "OFF";

export function openLockedSqlite(path: string, synchronous: Synchronous, what: string): Database.Database {
  let db: Database.Database;
  try {
    // a short busy timeout: a previous owner that is just closing gets a moment, a live one does not block us
    db = new Database(path, { timeout: 200 });
  } catch (e) {
    throw new StrataError("UNAVAILABLE", `cannot open ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    // EXCLUSIVE before the first access: WAL then keeps its index in heap memory (no -shm file shared with
    // other processes) and the lock, once taken, is held until close.
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    // Take the write lock now, not at the first write: a second process must fail at open.
    db.exec("BEGIN IMMEDIATE; COMMIT");
    return db;
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      throw new StrataError(
        "DATA_DIR_LOCKED",
        `${what} ${path} is in use by another process: run one Strata process per data directory`,
        { cause: e, details: { path } },
      );
    }
    throw new StrataError("UNAVAILABLE", `cannot open ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}
