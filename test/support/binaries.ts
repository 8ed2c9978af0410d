/**
 * External programs a test drives (kcat, chromium): a test skips with a printed reason when the binary is absent,
 * unless process.env.CI is set, where its absence fails the run (.ci/run installs them).
 * @example const kcat = requireBinary("kcat", "/usr/bin/kcat"); describe.skipIf(!kcat.available)(...)
 */
import { accessSync, constants } from "node:fs";

export interface Binary {
  path: string;
  available: boolean;
}

export function requireBinary(name: string, path: string): Binary {
  try {
    accessSync(path, constants.X_OK);
    return { path, available: true };
  } catch {
    if (process.env.CI) throw new Error(`${name} is required under CI but ${path} is missing`);
    console.warn(`skipping the ${name} tests: ${path} is not installed (apt-get install ${name})`);
    return { path, available: false };
  }
}
