/** A disk that fills up on demand: fsync hooks that fail with ENOSPC while `full` is set, as a full disk does. */
import { osSync, type SyncHooks } from "../../lib/storage/fsync.js";

export const enospc = () => Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });

export function fillableDisk(): { sync: SyncHooks; full: boolean } {
  const disk = {
    full: false,
    sync: {
      file: async (h) => {
        if (disk.full) throw enospc();
        await osSync.file(h);
      },
      dir: async (p) => {
        if (disk.full) throw enospc();
        await osSync.dir(p);
      },
    } as SyncHooks,
  };
  return disk;
}
