// snappyjs ships no types; only compress is used (decompression is our own, see snappy.ts).
declare module "snappyjs" {
  const SnappyJS: {
    compress(data: Uint8Array): Uint8Array;
    uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default SnappyJS;
}
