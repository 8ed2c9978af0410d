/**
 * Programs some tests drive that npm cannot install (Debian's chromium, kcat; .ci/run installs them in CI).
 * `findBinary` answers the program's path, or undefined with a printed reason so the caller skips; under CI
 * (process.env.CI set) a missing program fails the run instead, so CI never passes by skipping.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** `candidates`: absolute paths, or names looked up on PATH, tried in order. */
export function findBinary(what: string, candidates: string[]): string | undefined {
  for (const c of candidates) {
    if (isAbsolute(c)) {
      if (executable(c)) return c;
      continue;
    }
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir && executable(join(dir, c))) return join(dir, c);
    }
  }
  const reason = `${what} not found (looked for ${candidates.join(", ")})`;
  if (process.env.CI) throw new Error(`${reason}: CI must have it (.ci/run installs it)`);
  console.warn(`skipping tests that need ${what}: ${reason}`);
  return undefined;
}

export interface Binary {
  path: string;
  available: boolean;
}

/** findBinary for one absolute path, as a value a `describe.skipIf(!kcat.available)` reads. */
export function requireBinary(name: string, path: string): Binary {
  const found = findBinary(name, [path]);
  return { path: found ?? path, available: found !== undefined };
}
