/**
 * Kafka framing: each request and response is an int32 size followed by that many bytes. FrameReader collects a
 * connection's chunks and hands out whole frames; a claimed size is checked against the maximum before anything
 * is allocated for it, and bytes are only joined once the whole frame has arrived.
 */
import { ProtocolError } from "./primitives.js";

/** Kafka's socket.request.max.bytes default */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** the size the frame being collected claims, once its 4 bytes are in */
  private want = -1;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Adds bytes; returns every frame now complete (payloads, without the size). Throws ProtocolError on a bad size. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.want < 0) {
        if (this.buffered < 4) break;
        const head = this.take(4);
        const size = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
        if (size < 0 || size > this.maxFrameBytes) {
          throw new ProtocolError(`frame size ${size} is outside 0..${this.maxFrameBytes}`);
        }
        this.want = size;
      }
      if (this.buffered < this.want) break;
      frames.push(this.take(this.want));
      this.want = -1;
    }
    return frames;
  }

  /** bytes received but not yet part of a whole frame */
  get pending(): number {
    return this.buffered + (this.want >= 0 ? 4 : 0);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      // inside one chunk: a view, no copy
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - at);
      out.set(c.subarray(0, part), at);
      at += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    this.buffered -= n;
    return out;
  }
}
