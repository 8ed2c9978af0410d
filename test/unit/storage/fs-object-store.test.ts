/** FsObjectStore beyond the port contract: durability order, path safety, crash leftovers. */
import { existsSync } from "node:fs";
import { type FileHandle, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../../lib/storage/fs-object-store.js";
import type { SyncHooks } from "../../../lib/storage/fsync.js";
import { codeOf } from "../../support/expect.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("FsObjectStore", () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "strata-fs-"));
    root = join(base, "objects");
    await mkdir(root);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  describe("durability order (fsync always)", () => {
    /** Records every sync with what the file system looked like at that moment. */
    function recordingSync(target: string): { hooks: SyncHooks; events: string[] } {
      const events: string[] = [];
      const hooks: SyncHooks = {
        async file(handle: FileHandle) {
          const { size } = await handle.stat();
          events.push(`file size=${size} target-exists=${existsSync(target)}`);
        },
        async dir(path: string) {
          events.push(`dir ${path.slice(root.length) || "/"} target-exists=${existsSync(target)}`);
        },
      };
      return { hooks, events };
    }

    it("syncs the data, then renames, then syncs the directory and every new parent, before put resolves", async () => {
      const key = "t/0/00000000000000000000.seg";
      const target = join(root, key);
      const { hooks, events } = recordingSync(target);
      const store = new FsObjectStore({ root, sync: hooks });

      await store.put(key, bytes("12345"));

      expect(events).toEqual([
        "file size=5 target-exists=false", // data durable while the object is still invisible
        "dir /t/0 target-exists=true", // the rename, made durable
        "dir /t target-exists=true", // the new directories' own entries, up to the root
        "dir / target-exists=true",
      ]);
      expect(await readFile(target, "utf8")).toBe("12345");
    });

    it("a second put into a known directory syncs only the file and its directory", async () => {
      const { hooks, events } = recordingSync(join(root, "t/0/b"));
      const store = new FsObjectStore({ root, sync: hooks });
      await store.put("t/0/a", bytes("a"));
      events.length = 0;
      await store.put("t/0/b", bytes("bb"));
      expect(events).toEqual(["file size=2 target-exists=false", "dir /t/0 target-exists=true"]);
    });

    it("put does not resolve before the directory sync finishes", async () => {
      let releaseDir: () => void = () => {};
      const dirSynced = new Promise<void>((r) => {
        releaseDir = r;
      });
      let dirCalls = 0;
      const store = new FsObjectStore({
        root,
        sync: {
          file: async () => {},
          dir: async () => {
            dirCalls++;
            if (dirCalls === 1) await dirSynced;
          },
        },
      });
      let resolved = false;
      const put = store.put("k", bytes("x")).then(() => {
        resolved = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(dirCalls).toBe(1);
      expect(resolved).toBe(false);
      releaseDir();
      await put;
      expect(resolved).toBe(true);
    });

    it("fsync never skips every sync", async () => {
      const { hooks, events } = recordingSync(join(root, "a/b"));
      const store = new FsObjectStore({ root, fsync: "never", sync: hooks });
      await store.put("a/b", bytes("x"));
      expect(events).toEqual([]);
      expect(await readFile(join(root, "a/b"), "utf8")).toBe("x");
    });

    it("a failed data sync fails the put and leaves neither the object nor a temp file", async () => {
      const store = new FsObjectStore({
        root,
        sync: {
          file: async () => {
            throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
          },
          dir: async () => {},
        },
      });
      expect(await codeOf(store.put("d/k", bytes("x")))).toBe("UNAVAILABLE");
      expect(await readdir(join(root, "d"))).toEqual([]);
      expect(await codeOf(new FsObjectStore({ root }).get("d/k"))).toBe("OBJECT_NOT_FOUND");
    });
  });

  describe("keys", () => {
    const bad = [
      "../escape",
      "a/../../escape",
      "/etc/passwd",
      "a//b",
      "./a",
      "a/.",
      "a/",
      "",
      "x/.strata-tmp-1",
      "nul\0",
    ];

    it.each(bad)("rejects %j with INVALID_ARGUMENT for put, get and delete", async (key) => {
      const store = new FsObjectStore({ root });
      expect(await codeOf(store.put(key, bytes("x")))).toBe("INVALID_ARGUMENT");
      expect(await codeOf(store.get(key))).toBe("INVALID_ARGUMENT");
      expect(await codeOf(store.delete(key))).toBe("INVALID_ARGUMENT");
      // nothing escaped the root
      expect((await readdir(base)).sort()).toEqual(["objects"]);
    });

    it("rejects a key below an existing object, and an object where a 'directory' is", async () => {
      const store = new FsObjectStore({ root });
      await store.put("a", bytes("x"));
      expect(await codeOf(store.put("a/b", bytes("y")))).toBe("INVALID_ARGUMENT");
      await store.put("c/d", bytes("y"));
      expect(await codeOf(store.put("c", bytes("z")))).toBe("INVALID_ARGUMENT");
      expect(Buffer.from(await store.get("c/d")).toString()).toBe("y");
    });

    it("rejects an invalid range", async () => {
      const store = new FsObjectStore({ root });
      await store.put("k", bytes("abc"));
      expect(await codeOf(store.get("k", { start: 2, end: 1 }))).toBe("INVALID_ARGUMENT");
      expect(await codeOf(store.get("k", { start: -1, end: 1 }))).toBe("INVALID_ARGUMENT");
      expect(await codeOf(store.get("k", { start: 0.5, end: 1 }))).toBe("INVALID_ARGUMENT");
    });
  });

  describe("crash leftovers", () => {
    it("list ignores temp files left by a crash mid-put", async () => {
      const store = new FsObjectStore({ root });
      await store.put("t/0/a", bytes("a"));
      await writeFile(join(root, "t/0/.strata-tmp-deadbeef"), "partial");
      await writeFile(join(root, ".strata-tmp-cafe"), "partial");
      expect((await store.list("")).objects.map((o) => o.key)).toEqual(["t/0/a"]);
      expect((await store.list("t/0/")).objects.map((o) => o.key)).toEqual(["t/0/a"]);
    });

    it("delete prunes emptied directories but never the root", async () => {
      const store = new FsObjectStore({ root });
      await store.put("t/0/a", bytes("a"));
      await store.delete("t/0/a");
      expect(await readdir(root)).toEqual([]);
      await store.put("t/0/b", bytes("b"));
      expect(Buffer.from(await store.get("t/0/b")).toString()).toBe("b");
    });
  });
});
