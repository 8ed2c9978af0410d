/**
 * A seeded workload against PackObjectStore that takes crash images while it runs, and the checks every image
 * must pass once reopened. Two kinds of image:
 * - kill -9: the directory as it is at the moment of a file sync (every issued write is in the page cache);
 * - power cut: the pack files as they are at that moment, with the index as it was at its last FULL commit (a
 *   commit at synchronous=NORMAL is not synced, so a power cut may take every one since the last FULL commit).
 */
import { cpSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { INDEX_FILE, PackObjectStore } from "../../../../lib/storage/pack-object-store.js";
import { bodyOf, hookedSync, removeRoot, same, snapshot, tempRoot } from "./files.js";

export interface CrashImage {
  dir: string;
  /** acknowledged puts whose key no delete had been issued for */
  present: Map<string, Uint8Array>;
  /** acknowledged deletes */
  gone: Set<string>;
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function copyIndex(from: string, to: string): void {
  for (const n of readdirSync(from)) if (n.startsWith(INDEX_FILE)) cpSync(join(from, n), join(to, n));
}

/** Replaces the index files of `image` with those of `index`. */
function swapIndex(image: string, index: string): void {
  for (const n of readdirSync(image)) if (n.startsWith(INDEX_FILE)) removeSync(join(image, n));
  copyIndex(index, image);
}

const removeSync = (path: string) => rmSync(path, { force: true });

export async function runCrashWorkload(options: {
  seed: number;
  ops: number;
  packBytes: number;
  mode: "kill" | "power";
  /** every how many file syncs an image is taken */
  every?: number;
}): Promise<{ images: CrashImage[]; bodies: Map<string, Uint8Array>; cleanup: () => Promise<void> }> {
  const root = tempRoot();
  const random = prng(options.seed);
  const present = new Map<string, Uint8Array>();
  const gone = new Set<string>();
  const bodies = new Map<string, Uint8Array>();
  const images: CrashImage[] = [];
  const temp: string[] = [root];
  let lastFullIndex: string | undefined;
  let syncs = 0;
  const store = await PackObjectStore.open({
    root,
    packBytes: options.packBytes,
    sync: hookedSync(() => {
      if (syncs++ % (options.every ?? 1) !== 0) return;
      const dir = snapshot(root);
      temp.push(dir);
      if (options.mode === "power" && lastFullIndex !== undefined) swapIndex(dir, lastFullIndex);
      images.push({ dir, present: new Map(present), gone: new Set(gone) });
    }),
  });
  if (options.mode === "power") {
    // the end of a FULL commit is where the store sets synchronous back to NORMAL: the index is durable there
    const db = (store as unknown as { db: { pragma: (s: string) => unknown } }).db;
    const pragma = db.pragma.bind(db);
    const indexAtOpen = tempRoot();
    temp.push(indexAtOpen);
    copyIndex(root, indexAtOpen);
    lastFullIndex = indexAtOpen;
    db.pragma = (s: string) => {
      const out = pragma(s);
      if (s === "synchronous = NORMAL") {
        const copy = tempRoot();
        temp.push(copy);
        copyIndex(root, copy);
        lastFullIndex = copy;
      }
      return out;
    };
  }
  await churn(
    store,
    random,
    { ops: options.ops, maxSize: options.packBytes * 0.4, deleteShare: 0.35, maxWidth: 4 },
    {
      present,
      gone,
      bodies,
    },
  );
  await store.close();
  images.push({ dir: snapshot(root), present: new Map(present), gone: new Set(gone) });
  temp.push(images.at(-1)!.dir);
  return { images, bodies, cleanup: async () => void (await Promise.all(temp.map(removeRoot))) };
}

/** What a workload did: the objects it holds, the ones it deleted, and every body it ever wrote. */
export interface ChurnModel {
  present: Map<string, Uint8Array>;
  gone: Set<string>;
  bodies: Map<string, Uint8Array>;
}

/**
 * Random puts and deletes, a few at a time in parallel, recorded in `model` as they are acknowledged: the
 * workload both crash tests run (keys o/0000, o/0001, ...; bodies from bodyOf, up to `maxSize` bytes).
 */
export async function churn(
  store: PackObjectStore,
  random: () => number,
  options: { ops: number; maxSize: number; deleteShare: number; maxWidth: number },
  model: ChurnModel,
): Promise<void> {
  let next = 0;
  const oneOp = async () => {
    const live = [...model.present.keys()];
    if (live.length > 0 && random() < options.deleteShare) {
      const key = live[Math.floor(random() * live.length)]!;
      model.present.delete(key);
      await store.delete(key);
      model.gone.add(key);
      return;
    }
    const key = `o/${String(next).padStart(4, "0")}`;
    const body = bodyOf(next++, 20 + Math.floor(random() * options.maxSize));
    model.bodies.set(key, body);
    await store.put(key, body);
    model.present.set(key, body);
  };
  for (let done = 0; done < options.ops; ) {
    const width = 1 + Math.floor(random() * options.maxWidth);
    await Promise.all(Array.from({ length: width }, oneOp));
    done += width;
  }
}

/**
 * Rounds of concurrent puts, deletes, gets and lists against a live model (`model`: what is acknowledged and not
 * deleted). Returns the gets that went wrong: wrong bytes, or any failure but OBJECT_NOT_FOUND for a key deleted
 * meanwhile. Shares: below `putShare` a put, below `deleteShare` a delete, else a get; a list now and then.
 */
export async function concurrentOps(
  store: PackObjectStore,
  random: () => number,
  options: {
    rounds: number;
    width: number;
    putShare: number;
    deleteShare: number;
    minSize: number;
    sizeRange: number;
    keyOf: (n: number) => string;
    list: { prefix: string; limit: number };
  },
  model: Map<string, Uint8Array>,
): Promise<string[]> {
  const wrong: string[] = [];
  let n = 0;
  for (let round = 0; round < options.rounds; round++) {
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < options.width; i++) {
      const r = random();
      const live = [...model.keys()];
      if (r < options.putShare || live.length === 0) {
        const key = options.keyOf(n);
        const body = bodyOf(n++, options.minSize + Math.floor(random() * options.sizeRange));
        ops.push(store.put(key, body).then(() => void model.set(key, body)));
      } else if (r < options.deleteShare) {
        const key = live[Math.floor(random() * live.length)]!;
        model.delete(key);
        ops.push(store.delete(key));
      } else {
        const key = live[Math.floor(random() * live.length)]!;
        const body = model.get(key)!;
        ops.push(
          store.get(key).then(
            (got) => void (same(got, body) || wrong.push(key)),
            (e: unknown) => {
              // only a delete issued meanwhile may take it away
              if (model.has(key) || (e as { code?: string }).code !== "OBJECT_NOT_FOUND") wrong.push(`${key}: ${e}`);
            },
          ),
        );
      }
      if (random() < 0.1) ops.push(store.list(options.list.prefix, { limit: options.list.limit }));
    }
    await Promise.all(ops);
  }
  return wrong;
}

/** Reopens a crash image and checks it: acknowledged puts there, byte for byte; acknowledged deletes gone. */
export async function checkImage(image: CrashImage, bodies: Map<string, Uint8Array>, packBytes: number) {
  const store = await PackObjectStore.open({ root: image.dir, packBytes });
  try {
    for (const [key, body] of image.present) {
      const got = await store.get(key).catch((e: unknown) => e);
      expect(got instanceof Uint8Array && same(got, body), `acknowledged ${key} in ${image.dir}`).toBe(true);
    }
    const listed = (await store.list("", { limit: 100_000 })).objects;
    for (const { key, size } of listed) {
      expect(image.gone.has(key), `deleted ${key} is back in ${image.dir}`).toBe(false);
      const body = bodies.get(key);
      expect(body, `${key} was never put`).toBeDefined();
      expect(size).toBe(body!.length);
      expect(same(await store.get(key), body!), `bytes of ${key} in ${image.dir}`).toBe(true);
    }
    // and the store takes writes after the crash
    await store.put("after/crash", bodyOf(7, 10));
  } finally {
    await store.close();
  }
}
