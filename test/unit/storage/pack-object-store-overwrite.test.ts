/**
 * PackObjectStore overwrites after a power cut or a lost index: an overwrite carries a CRC-32C of its data, checked
 * on open, so the acknowledged value survives; the store checksums its own copy of the body; a record whose data
 * fails its CRC is skipped, not a cut. Root causes of the bugs these tests caught:
 * - the CRC was computed over the caller's buffer when put() was called but the bytes written later, so a caller
 *   reusing its buffer got the overwrite acknowledged, then reverted by the next open that scanned it. The body is
 *   now copied first; Buffer.prototype.slice is a view, not a copy, so the copy is a Uint8Array's.
 * - on a data CRC that failed, recovery truncated the pack at that record like at a torn header, losing every
 *   acknowledged object after it; the header (checked by its own CRC) still gives the next record's position.
 * - a rebuild without the index applied a move whose original pack is gone over an overwrite that raced the
 *   reclaim, reverting it; a move now applies only over a row older than its origin (fromPack, fromPos).
 */
import { closeSync, copyFileSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INDEX_FILE, PackObjectStore } from "../../../lib/storage/pack-object-store.js";
import { codeOf } from "../../support/outcome.js";
import { bodyOf, packFiles, packName, recordsOf, removeRoot, same, snapshot, tempRoot } from "./pack-store/files.js";

/** The index as a power cut left it (taken earlier), with the packs as they are now (every put fdatasynced). */
async function powerCutImage(early: string, root: string): Promise<void> {
  for (const p of await packFiles(root)) copyFileSync(join(root, p), join(early, p));
}

const dropIndex = (dir: string) => {
  for (const f of readdirSync(dir)) if (f.startsWith(INDEX_FILE)) rmSync(join(dir, f));
};

let root: string;
beforeEach(() => {
  root = tempRoot();
});
afterEach(async () => {
  await removeRoot(root);
});

describe("PackObjectStore: the data CRC of an overwrite", () => {
  it("an overwrite whose caller reuses its buffer keeps its acknowledged value after a power cut, and the puts after it", async () => {
    const store = await PackObjectStore.open({ root });
    await store.put("k", bodyOf(1, 300));
    // a power cut loses the index's WAL suffix (synchronous=NORMAL) from here on; the packs are fdatasynced
    const image = snapshot(root);
    try {
      const body = bodyOf(2, 300);
      const over = store.put("k", body); // an overwrite: its CRC is computed now, from `body`
      body.fill(0xee); // the caller reuses its buffer; the bytes are written a few microtasks later
      await over; // acknowledged
      const acked = await store.get("k"); // what the store says k now holds
      await store.put("other", bodyOf(3, 300)); // acknowledged, another key
      await store.close();
      await powerCutImage(image, root);

      const re = await PackObjectStore.open({ root: image });
      try {
        expect(await codeOf(re.get("other"))).toBe("ok"); // before the fix: OBJECT_NOT_FOUND (pack cut at k's record)
        expect(same(await re.get("k"), acked)).toBe(true); // before the fix: the value before the acknowledged overwrite
      } finally {
        await re.close();
      }
    } finally {
      await removeRoot(image);
    }
  });

  it("an overwrite whose data fails its CRC is skipped on open; the acknowledged objects after it in its pack stay", async () => {
    const store = await PackObjectStore.open({ root });
    await store.put("k", bodyOf(1, 300));
    const image = snapshot(root); // the index as a power cut leaves it (see above)
    try {
      await store.put("k", bodyOf(2, 300)); // an overwrite: carries a data CRC
      await store.put("other", bodyOf(3, 300));
      await store.put("more", bodyOf(4, 300));
      await store.close();
      await powerCutImage(image, root);
      // one byte of k's second value goes bad on the medium (its header is whole and checks out)
      const path = join(image, packName(1));
      const flagged = recordsOf(readFileSync(path))[1]!;
      expect(flagged.key).toBe("k");
      const fd = openSync(path, "r+");
      writeSync(fd, new Uint8Array([0x55]), 0, 1, flagged.pos + 28 + 1 + 100);
      closeSync(fd);

      const re = await PackObjectStore.open({ root: image });
      try {
        // Before the data CRC only k's value was affected. With the CRC but a cut at a failed one, "other" and
        // "more" were gone (the pack was truncated at k's record), though both were acknowledged and whole on disk.
        expect(await codeOf(re.get("other"))).toBe("ok");
        expect(await codeOf(re.get("more"))).toBe("ok");
        expect(same(await re.get("more"), bodyOf(4, 300))).toBe(true);
      } finally {
        await re.close();
      }
    } finally {
      await removeRoot(image);
    }
  });
});

describe("PackObjectStore: rebuilding a lost index", () => {
  it("an overwrite racing a reclaim of its key's pack keeps its value when the index is rebuilt", async () => {
    const store = await PackObjectStore.open({ root, packBytes: 2000 });
    await store.put("k", bodyOf(1, 300)); // pack 1
    await store.put("junk", bodyOf(9, 1500)); // pack 1
    await store.put("next", bodyOf(5, 1500)); // does not fit: pack 2 is current, pack 1 retired
    // The reclaim of pack 1 reads k's value, then appends its move: the overwrite lands in between (made
    // deterministic by holding the reclaim's read until the overwrite is acknowledged).
    const st = store as unknown as { readPack(pack: number, start: number, end: number): Promise<Uint8Array> };
    const readPack = st.readPack.bind(store);
    let over: Promise<void> | undefined;
    st.readPack = async (pack, start, end) => {
      const bytes = await readPack(pack, start, end);
      if (pack === 1 && over === undefined) {
        over = store.put("k", bodyOf(2, 300));
        await over;
      }
      return bytes;
    };
    await store.delete("junk"); // pack 1 is now mostly dead: k is moved out, pack 1 removed
    expect(over).toBeDefined();
    await over;
    expect(same(await store.get("k"), bodyOf(2, 300))).toBe(true); // the acknowledged overwrite
    await store.close();
    expect(await packFiles(root)).not.toContain(packName(1));

    dropIndex(root); // docs/FORMAT.md, "Lost index": rebuilt from the packs
    const re = await PackObjectStore.open({ root });
    try {
      // before the fix: bodyOf(1, 300), the value the move copied, since the move lies later in the log than the overwrite
      expect(same(await re.get("k"), bodyOf(2, 300))).toBe(true);
    } finally {
      await re.close();
    }
  });
});

describe("PackObjectStore: an overwrite's own copy", () => {
  it("an overwrite from a Buffer the caller reuses keeps its acknowledged value after a power cut (Buffer.slice is a view)", async () => {
    const store = await PackObjectStore.open({ root });
    await store.put("k", bodyOf(1, 300));
    // a power cut loses the index's WAL suffix (synchronous=NORMAL) from here on; the packs are fdatasynced
    const image = snapshot(root);
    try {
      const body = Buffer.from(bodyOf(2, 300)); // a Buffer, as readRange, fs and most Node code produce
      const over = store.put("k", body); // an overwrite: "its own copy" is body.slice(), the same memory
      body.fill(0xee); // the caller reuses its buffer once put() returned its promise
      await over; // acknowledged
      const acked = await store.get("k"); // what the store says k now holds (0xee bytes, as written)
      await store.close();
      await powerCutImage(image, root);

      const re = await PackObjectStore.open({ root: image });
      try {
        // before the fix: bodyOf(1, 300), the value before the acknowledged overwrite (its record fails its data CRC,
        // computed over the bytes before the caller's fill, and is skipped)
        expect(same(await re.get("k"), acked)).toBe(true);
      } finally {
        await re.close();
      }
    } finally {
      await removeRoot(image);
    }
  });
});
