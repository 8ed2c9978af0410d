/**
 * Durability knobs for the embedded backend.
 *
 * "always" (the default): an acknowledged write survives power loss. Object files are fdatasync'ed before
 * they are renamed into place and their directory is fsync'ed after; SQLite runs synchronous=FULL.
 * "never": nothing is fsync'ed. Writes survive a crash of the process (the OS still has them) but NOT a
 * crash of the machine or a power cut: acknowledged records can vanish, and a ledger entry can survive
 * while the segment object it points to does not. Use it for tests and throwaway development data only.
 */
import { type FileHandle, open } from "node:fs/promises";
import { InvalidArgumentError } from "../errors.js";

export type FsyncPolicy = "always" | "never";

/** How data reaches the disk; injectable so tests can observe the order of syncs and renames. */
export interface SyncHooks {
  /** make the file's data (and the metadata needed to read it back, e.g. its size) durable */
  file(handle: FileHandle): Promise<void>;
  /** make the directory's entries (a rename or create inside it) durable */
  dir(path: string): Promise<void>;
}

export const osSync: SyncHooks = {
  // fdatasync: the data and its size, without the timestamps we do not need.
  file: (handle) => handle.datasync(),
  async dir(path) {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

export function parseFsyncPolicy(value: string | undefined, fallback: FsyncPolicy = "always"): FsyncPolicy {
  if (value === undefined || value === "") return fallback;
  if (value === "always" || value === "never") return value;
  throw new InvalidArgumentError("fsync", `fsync policy must be "always" or "never", got ${JSON.stringify(value)}`);
}
