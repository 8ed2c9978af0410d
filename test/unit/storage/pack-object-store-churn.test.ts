/**
 * PackObjectStore under churn on small packs, where deletes keep reclaiming (moving live objects out of mostly
 * dead packs): what the churn leaves, close racing a reclaim, kill -9 and power cuts mid-churn, a put racing a
 * rollover, and a torn overwrite after a power cut. Root causes of the bugs these tests caught:
 * - rollover window: packFor cleared `opening` a few microtasks before `active` pointed at the new pack, so a put
 *   starting in between reserved space in the pack just retired (and already released): "file closed".
 * - torn overwrite: data had no checksum, so after a power cut an unacknowledged put whose header reached the disk
 *   and whose data did not was indexed on open, replacing an overwritten key's acknowledged value. An overwrite now
 *   carries a CRC-32C of its data, checked on open.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import { codeOf } from "../../support/outcome.js";
import { checkImage, concurrentOps, prng } from "./pack-store/crash-workload.js";
import {
  bodyOf,
  hookedSync,
  packFiles,
  packName,
  recordsOf,
  removeRoot,
  same,
  snapshot,
  tempRoot,
} from "./pack-store/files.js";
import { runPowerWorkload } from "./pack-store/power-workload.js";

interface StoreInternals {
  openPacks: Map<number, unknown>;
  settling: Map<number, boolean>;
  active?: { id: number };
  /** the next pack, created ahead of the rollover */
  spare?: Promise<{ id: number } | undefined>;
  openPack(previous: unknown): Promise<unknown>;
  db: { prepare(sql: string): { all(): unknown[] } };
}
const internals = (s: PackObjectStore) => s as unknown as StoreInternals;

const fdsUnder = (dir: string) =>
  readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((p) => p.startsWith(dir));

describe("PackObjectStore under churn", () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
  });
  afterEach(async () => {
    await removeRoot(root);
  });

  it("after concurrent churn on tiny packs: one open pack, nothing settling, every other pack at least half live", async () => {
    const random = prng(4);
    const store = await PackObjectStore.open({ root, packBytes: 600 });
    const model = new Map<string, Uint8Array>();
    const wrong = await concurrentOps(
      store,
      random,
      {
        rounds: 15,
        width: 10,
        putShare: 0.55,
        deleteShare: 0.85,
        minSize: 10,
        sizeRange: 400,
        keyOf: (n) => `k${n}`,
        list: { prefix: "k", limit: 3 },
      },
      model,
    );
    await new Promise((r) => setTimeout(r, 50)); // removals started by release() run detached
    expect(wrong).toEqual([]);
    const st = internals(store);
    // the current pack, and at most the spare created ahead of the next rollover
    const spare = await st.spare;
    expect([...st.openPacks.keys()].filter((id) => id !== spare?.id)).toEqual([st.active?.id]);
    expect(st.settling.size).toBe(0);
    const rows = st.db.prepare("SELECT pack, pos, data, len FROM objects").all() as {
      pack: number;
      pos: number;
      data: number;
      len: number;
    }[];
    for (const f of await packFiles(root)) {
      const id = Number(f.slice(0, 10));
      if (id === st.active?.id) continue;
      const live = rows.filter((r) => r.pack === id).reduce((s, r) => s + r.data - r.pos + r.len, 0);
      expect(live * 2, `pack ${id}`).toBeGreaterThanOrEqual(statSync(join(root, f)).size);
    }
    for (const [k, body] of model) expect(same(await store.get(k), body), k).toBe(true);
    await store.close();
  });

  it("close while a delete is reclaiming: the delete returns, no handle is left open, the objects survive", async () => {
    let store = await PackObjectStore.open({ root, packBytes: 1 << 20 });
    for (let i = 0; i < 200; i++) await store.put(`o${i}`, bodyOf(i, 3000));
    await store.close();
    store = await PackObjectStore.open({ root, packBytes: 5000 });
    for (let i = 0; i < 100; i++) await store.delete(`o${i}`);
    const reclaiming = codeOf(store.delete("o100")); // below half live: moves 99 objects
    await new Promise((r) => setTimeout(r, 5));
    await store.close();
    expect(await reclaiming).toBe("ok");
    await new Promise((r) => setTimeout(r, 50));
    expect(fdsUnder(root)).toEqual([]);
    const re = await PackObjectStore.open({ root, packBytes: 5000 });
    for (let i = 101; i < 200; i++) expect(same(await re.get(`o${i}`), bodyOf(i, 3000)), `o${i}`).toBe(true);
    expect(await codeOf(re.get("o100"))).toBe("OBJECT_NOT_FOUND");
    await re.close();
  });

  it("kill -9 of a child process mid-churn (reclaims running): acknowledged puts and deletes hold, repeatedly", async () => {
    const child = join(import.meta.dirname, "pack-store", "churn-child.ts");
    const run = (prefix: string, seed: number, delayMs: number) =>
      new Promise<string[]>((resolve, reject) => {
        const proc = spawn(process.execPath, ["--import", "tsx", child, root, prefix, String(seed)], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        proc.stdout.on("data", (d: Buffer) => {
          const ready = out.includes("READY");
          out += d.toString();
          if (!ready && out.includes("READY")) setTimeout(() => proc.kill("SIGKILL"), delayMs);
        });
        proc.on("exit", () => resolve(out.split("\n").filter((l) => l.length > 0 && l !== "READY")));
        proc.on("error", reject);
      });
    const random = prng(5);
    const acked = new Map<string, number>();
    const issued = new Set<string>();
    const gone = new Set<string>();
    // the child's bodies: bodyOf(seed * 100000 + n, length) for key r<seed-1>/<n>
    const expected = (key: string, length: number) =>
      bodyOf((Number(key.slice(1, key.indexOf("/"))) + 1) * 100_000 + Number(key.split("/")[1]), length);
    let deletesAcked = 0;
    for (let round = 0; round < 4; round++) {
      for (const line of await run(`r${round}`, round + 1, 50 + Math.floor(random() * 350))) {
        const [op, key, length] = line.split(" ") as [string, string, string | undefined];
        if (op === "P") acked.set(key, Number(length));
        else if (op === "I") issued.add(key);
        else if (op === "D") {
          gone.add(key);
          deletesAcked++;
        }
      }
      const store = await PackObjectStore.open({ root, packBytes: 16 * 1024 });
      try {
        for (const [key, length] of acked) {
          if (!issued.has(key)) expect(same(await store.get(key), expected(key, length)), key).toBe(true);
        }
        for (const { key, size } of (await store.list("", { limit: 100_000 })).objects) {
          expect(gone.has(key), `deleted ${key} is back`).toBe(false);
          expect(same(await store.get(key), expected(key, size)), `bytes of ${key}`).toBe(true);
        }
      } finally {
        await store.close();
      }
    }
    expect(deletesAcked).toBeGreaterThan(20);
  });

  for (const seed of [1, 3]) {
    it(`power-cut images at every file and directory sync, unsynced appends cut off (seed ${seed})`, async () => {
      const packBytes = 4096;
      const { images, bodies, barriers, cleanup } = await runPowerWorkload({ seed, ops: 45, packBytes });
      try {
        expect(images.length).toBeGreaterThan(30);
        expect(barriers).toBeGreaterThan(0); // reclaims ran
        for (const image of images) await checkImage(image, bodies, packBytes);
      } finally {
        await cleanup();
      }
    });
  }

  it("a put starting while a rollover finishes goes to the new pack, not the retired one", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 1000 });
    await store.put("a", bodyOf(1, 800));
    const st = internals(store);
    const openPack = st.openPack.bind(store);
    let late: Promise<string> | undefined;
    st.openPack = (previous) => {
      const opened = openPack(previous);
      // one microtask after the new pack is ready: `opening` is already cleared, `active` is still the old pack
      void opened
        .then(() => undefined)
        .then(() => {
          late = codeOf(store.put("c", bodyOf(3, 50)));
        });
      return opened;
    };
    await store.put("b", bodyOf(2, 800)); // does not fit: rollover
    const outcome = await late;
    await store.close();
    expect(outcome).toBe("ok"); // was UNAVAILABLE, retriable=false, "file closed"
  });

  it("after a power cut, a torn overwrite is skipped on open and the acknowledged value stays", async () => {
    let image: string | undefined;
    let armed = false;
    const store = await PackObjectStore.open({
      root,
      sync: hookedSync(() => {
        if (armed && image === undefined) image = snapshot(root); // the overwrite written, not yet synced
      }),
    });
    await store.put("k", bodyOf(1, 300));
    armed = true;
    await store.put("k", bodyOf(2, 300));
    await store.close();
    // the overwrite's header reached the disk, its data did not
    const path = join(image!, packName(1));
    const last = recordsOf(readFileSync(path)).at(-1)!;
    const fd = openSync(path, "r+");
    writeSync(fd, new Uint8Array(300), 0, 300, last.pos + 28 + 1);
    closeSync(fd);
    const re = await PackObjectStore.open({ root: image! });
    try {
      const got = await re.get("k");
      // the acknowledged value (the torn overwrite is gone), never bytes nobody wrote
      expect(same(got, bodyOf(1, 300))).toBe(true);
      // skipped, not cut: its header checks out, so records after it would still be found
      expect(recordsOf(readFileSync(join(image!, packName(1)))).map((r) => r.key)).toEqual(["k", "k"]);
    } finally {
      await re.close();
      await removeRoot(image!);
    }
  });
});
