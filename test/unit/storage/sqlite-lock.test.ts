/**
 * One process per data directory: the SQLite ledger's exclusive lock, checked with real second processes,
 * including a holder killed with SIGKILL (the OS must release the lock; there is no lock file to go stale).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { openEmbeddedStorage } from "../../../lib/storage/data-dir.js";
import { FsObjectStore } from "../../../lib/storage/fs-object-store.js";
import { SqliteLedger } from "../../../lib/storage/sqlite-ledger.js";

const HOLDER = join(import.meta.dirname, "lock-holder.ts");

/** Starts lock-holder.ts in a new node process; resolves with the first line it prints. */
function startHolder(dir: string, mode: "hold" | "try"): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dir, mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`holder exited with ${code} before printing`)));
    child.once("error", reject);
  });
  return { child, line };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

function expectLocked(fn: () => unknown, path: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe("DATA_DIR_LOCKED");
    expect((e as StrataError).message).toContain(path);
    expect((e as StrataError).details.path).toBe(path);
    return;
  }
  throw new Error("expected DATA_DIR_LOCKED");
}

describe("SqliteLedger lock: one process per data directory", () => {
  let dir: string;
  let path: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "strata-lock-"));
    path = join(dir, "ledger.sqlite");
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await exited(c);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("a second opener in the same process gets DATA_DIR_LOCKED naming the path", async () => {
    const first = new SqliteLedger({ path });
    expectLocked(() => new SqliteLedger({ path }), path);
    await first.close();
    // closing releases the lock, and the data is still there
    const again = new SqliteLedger({ path });
    await again.close();
  });

  it("a second process gets DATA_DIR_LOCKED while this one holds the directory", async () => {
    const storage = await openEmbeddedStorage(dir);
    const { child, line } = startHolder(dir, "try");
    children.push(child);
    expect(await line).toMatch(/^ERROR DATA_DIR_LOCKED .*ledger\.sqlite/);
    await exited(child);
    expect(child.exitCode).toBe(3);
    await storage.close();
  });

  it("after kill -9 of the holder a new opener gets the lock, with the holder's committed data", async () => {
    const { child, line } = startHolder(dir, "hold");
    children.push(child);
    expect(await line).toBe("LOCKED");
    // Prepare: the holder is alive and owns the directory
    await expect(openEmbeddedStorage(dir)).rejects.toMatchObject({ code: "DATA_DIR_LOCKED" });
    // Act: kill it without giving it a chance to clean up
    child.kill("SIGKILL");
    await exited(child);
    // Assess: no stale lock, and its acknowledged write survived
    const storage = await openEmbeddedStorage(dir);
    try {
      const items = await storage.ledger.query("holder");
      expect(items.map((i) => i.sk)).toEqual([String(child.pid)]);
    } finally {
      await storage.close();
    }
    // nothing but the database (and its WAL while open) and the packs directory: no lock files
    expect((await readdir(dir)).filter((f) => !f.startsWith("ledger.sqlite"))).toEqual(["packs"]);
  });

  it("openEmbeddedStorage lays out ledger.sqlite and packs/", async () => {
    const storage = await openEmbeddedStorage(join(dir, "nested", "data"), { fsync: "never" });
    await storage.store.put("t/0/a", new Uint8Array([1]));
    await storage.ledger.write({ type: "put", key: { pk: "p", sk: "s" }, attrs: {} });
    await storage.close();
    const entries = await readdir(join(dir, "nested", "data"));
    expect(entries).toContain("ledger.sqlite");
    expect(entries).toContain("packs");
    const packs = await readdir(join(dir, "nested", "data", "packs"));
    expect(packs).toContain("index.sqlite");
    expect(packs.filter((f) => f.endsWith(".pack"))).toHaveLength(1);
  });

  it("moves the objects of an older one-file-per-object directory into packs", async () => {
    const legacy = new FsObjectStore({ root: join(dir, "objects") });
    const keys = Array.from({ length: 1005 }, (_, i) => `incoming/1/t/${String(i).padStart(4, "0")}.batches`);
    for (const k of keys) await legacy.put(k, new TextEncoder().encode(k));
    const storage = await openEmbeddedStorage(dir);
    try {
      for (const k of [keys[0]!, keys[1004]!]) expect(new TextDecoder().decode(await storage.store.get(k))).toBe(k);
      const first = await storage.store.list("incoming/");
      expect(first.objects).toHaveLength(1000);
      expect(first.next).toBe(keys[999]);
    } finally {
      await storage.close();
    }
    expect(await readdir(dir)).not.toContain("objects");
  });
});
