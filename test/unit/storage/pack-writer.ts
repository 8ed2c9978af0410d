/**
 * A second process for the pack store's kill -9 test (spawned by pack-object-store.test.ts, not a test itself).
 * argv: <root>. Puts objects four at a time, forever, and prints each key once its put resolved (acknowledged).
 * The body of key "k<n>" is derived from n, so the test can check every byte after the kill.
 */
import { PackObjectStore } from "../../../lib/storage/pack-object-store.js";

export const bodyOf = (n: number): Uint8Array => {
  const body = new Uint8Array(1000 + ((n * 7919) % 30_000));
  for (let i = 0; i < body.length; i++) body[i] = (n + i * 31) & 255;
  return body;
};

if (process.argv[2] !== undefined && import.meta.filename === process.argv[1]) {
  const store = await PackObjectStore.open({ root: process.argv[2], packBytes: 256 * 1024 });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const n = next++;
      await store.put(`k${n}`, bodyOf(n));
      process.stdout.write(`k${n}\n`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}
