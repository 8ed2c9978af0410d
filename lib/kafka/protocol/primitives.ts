/**
 * Kafka's wire primitives: a bounds-checked Reader over one frame and a Writer that builds a response as a list of
 * chunks (large byte fields such as fetched record batches are appended by reference, never copied). Integers are
 * big-endian; int64 is a JS number (every offset, id and timestamp Strata uses is a safe integer); uvarint/varint
 * are protobuf-style (varint zigzag); uuids are the canonical 8-4-4-4-12 hex string.
 * Bad input raises ProtocolError only, never RangeError: the listener closes that connection alone.
 */

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export class Reader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n < 0 || at + n > this.bytes.length) {
      throw new ProtocolError(`truncated: ${what} needs ${n} bytes at ${at}, ${this.bytes.length - at} left`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.view.getInt8(this.need(1, "int8"));
  }
  int16(): number {
    return this.view.getInt16(this.need(2, "int16"));
  }
  uint16(): number {
    return this.view.getUint16(this.need(2, "uint16"));
  }
  int32(): number {
    return this.view.getInt32(this.need(4, "int32"));
  }
  uint32(): number {
    return this.view.getUint32(this.need(4, "uint32"));
  }
  int64(): number {
    return Number(this.view.getBigInt64(this.need(8, "int64")));
  }
  float64(): number {
    return this.view.getFloat64(this.need(8, "float64"));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.bytes[this.need(1, "uvarint")]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new ProtocolError("uvarint exceeds 32 bits");
        return value;
      }
      shift += 7;
    }
    throw new ProtocolError("uvarint longer than 5 bytes");
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  raw(n: number): Uint8Array {
    const at = this.need(n, "bytes");
    return this.bytes.subarray(at, at + n);
  }

  uuid(): string {
    const b = this.raw(16);
    const hex = Buffer.from(b.buffer, b.byteOffset, 16).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  utf8(n: number): string {
    try {
      return decoder.decode(this.raw(n));
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      throw new ProtocolError("string is not valid UTF-8");
    }
  }

  /** int16 length, -1 null */
  string(): string | null {
    const n = this.int16();
    if (n < -1) throw new ProtocolError(`string length ${n}`);
    return n === -1 ? null : this.utf8(n);
  }
  /** uvarint length+1, 0 null */
  compactString(): string | null {
    const n = this.uvarint() - 1;
    return n === -1 ? null : this.utf8(n);
  }
  /** int32 length, -1 null; a view into the frame, not a copy */
  bytesField(): Uint8Array | null {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`bytes length ${n}`);
    return n === -1 ? null : this.raw(n);
  }
  compactBytes(): Uint8Array | null {
    const n = this.uvarint() - 1;
    return n === -1 ? null : this.raw(n);
  }
  /** an array length: int32 (-1 null) or compact (0 null); never more entries than bytes left */
  arrayLength(compact: boolean): number | null {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n === -1) return null;
    if (n < -1 || n > this.remaining) throw new ProtocolError(`array length ${n} with ${this.remaining} bytes left`);
    return n;
  }
}

/** The bytes a response is made of: small writes go to a growing scratch buffer, large byte fields by reference. */
export class Writer {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private flushedLength = 0;

  get length(): number {
    return this.flushedLength + this.at;
  }

  private room(n: number): number {
    if (this.at + n > this.buf.length) {
      if (this.at > 0) this.flush();
      if (n > this.buf.length) {
        this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
        this.view = new DataView(this.buf.buffer);
      }
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  private flush(): void {
    this.chunks.push(this.buf.subarray(0, this.at));
    this.flushedLength += this.at;
    this.buf = new Uint8Array(Math.max(256, this.buf.length));
    this.view = new DataView(this.buf.buffer);
    this.at = 0;
  }

  int8(v: number): this {
    const at = this.room(1);
    this.view.setInt8(at, v);
    return this;
  }
  int16(v: number): this {
    const at = this.room(2);
    this.view.setInt16(at, v);
    return this;
  }
  uint16(v: number): this {
    const at = this.room(2);
    this.view.setUint16(at, v);
    return this;
  }
  int32(v: number): this {
    const at = this.room(4);
    this.view.setInt32(at, v);
    return this;
  }
  uint32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v);
    return this;
  }
  int64(v: number | bigint): this {
    const at = this.room(8);
    this.view.setBigInt64(at, BigInt(v));
    return this;
  }
  float64(v: number): this {
    const at = this.room(8);
    this.view.setFloat64(at, v);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ProtocolError(`uvarint out of range: ${v}`);
    let n = v;
    while (n >= 0x80) {
      const at = this.room(1);
      this.buf[at] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    const at = this.room(1);
    this.buf[at] = n;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v < 0 ? -2 * v - 1 : 2 * v);
  }
  /** raw bytes; large ones are kept by reference (the caller must not change them until the frame is sent) */
  raw(b: Uint8Array): this {
    if (b.length >= 1024) {
      if (this.at > 0) this.flush();
      this.chunks.push(b);
      this.flushedLength += b.length;
    } else {
      // room() may move to a fresh buffer: take the position before naming the buffer
      const at = this.room(b.length);
      this.buf.set(b, at);
    }
    return this;
  }
  uuid(v: string): this {
    if (!UUID_RE.test(v)) throw new ProtocolError(`not a uuid: ${v}`);
    return this.raw(Buffer.from(v.replace(/-/g, ""), "hex"));
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = encoder.encode(v);
    if (b.length > 0x7fff) throw new ProtocolError("string longer than 32767 bytes");
    return this.int16(b.length).raw(b);
  }
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const b = encoder.encode(v);
    return this.uvarint(b.length + 1).raw(b);
  }
  bytesField(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.int32(v.length).raw(v);
  }
  compactBytes(v: Uint8Array | null): this {
    return v === null ? this.uvarint(0) : this.uvarint(v.length + 1).raw(v);
  }
  /** several byte arrays sent back to back as one bytes field (fetched batches), none copied */
  bytesList(v: Uint8Array[] | null, compact: boolean): this {
    if (v === null) return compact ? this.uvarint(0) : this.int32(-1);
    const n = v.reduce((s, b) => s + b.length, 0);
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
    for (const b of v) this.raw(b);
    return this;
  }
  arrayLength(n: number | null, compact: boolean): this {
    if (n === null) return compact ? this.uvarint(0) : this.int32(-1);
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }

  /** The chunks written so far, in order (the writer is done after this). */
  finish(): Uint8Array[] {
    if (this.at > 0) this.flush();
    return this.chunks;
  }

  /** Everything as one array (tests, tagged-field bodies). */
  toBytes(): Uint8Array {
    const chunks = this.finish();
    if (chunks.length === 1) return chunks[0]!;
    return new Uint8Array(Buffer.concat(chunks));
  }
}
