/**
 * What the SDK core needs from its runtime, reached without `node:` imports so the same code runs in Node, browsers
 * and edge runtimes (anything with fetch, TextEncoder, crypto.randomUUID and timers): an environment variable when
 * there is a `process`, and a byte view that is a Buffer when Buffer exists (Node: `value.toString()` gives text, as
 * in kafkajs) and a plain Uint8Array elsewhere.
 */

interface MaybeProcess {
  process?: { env?: Record<string, string | undefined> };
  Buffer?: { from(b: ArrayBufferLike, byteOffset: number, length: number): Buffer };
}

const host = globalThis as unknown as MaybeProcess;

/** `process.env[name]` in Node; undefined where there is no process (browsers, most edge runtimes). */
export const envVar = (name: string): string | undefined => host.process?.env?.[name];

/** A view of `b`'s memory (no copy): a Buffer in Node, the Uint8Array itself elsewhere. */
export function byteView(b: Uint8Array): Buffer {
  const B = host.Buffer;
  return (B ? B.from(b.buffer, b.byteOffset, b.byteLength) : b) as Buffer;
}

/** A random UUID v4 (Web Crypto: global in Node 20, browsers and edge runtimes). */
export const randomId = (): string => globalThis.crypto.randomUUID();
