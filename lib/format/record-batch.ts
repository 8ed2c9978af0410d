/**
 * Kafka RecordBatch v2 (magic 2), byte for byte as Kafka lays it out. All integers big-endian.
 *
 * offset size field
 *      0    8 baseOffset            int64   (outside the CRC: the log stamps it when it assigns offsets)
 *      8    4 batchLength           int32   bytes after this field (total size - 12)
 *     12    4 partitionLeaderEpoch  int32
 *     16    1 magic                 int8    = 2
 *     17    4 crc                   uint32  CRC-32C of bytes [21, end)
 *     21    2 attributes            int16   bits 0-2 codec, 3 timestampType, 4 transactional, 5 control
 *     23    4 lastOffsetDelta       int32
 *     27    8 baseTimestamp         int64
 *     35    8 maxTimestamp          int64
 *     43    8 producerId            int64
 *     51    2 producerEpoch         int16
 *     53    4 baseSequence          int32
 *     57    4 recordCount           int32
 *     61    - records               (compressed as a whole when codec != 0)
 *
 * Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *         keyLength varint (-1: null) | key | valueLength varint (-1: null) | value |
 *         headerCount varint | { keyLength varint | key utf8 | valueLength varint (-1: null) | value }*
 *
 * int64 fields are JS numbers here: a value outside the safe integer range is a FormatError on read.
 * Decoding checks everything it can (CRC, lengths, counts, offset deltas) and raises only FormatError.
 */
import { InvalidArgumentError } from "../errors.js";
import {
  codecName,
  DEFAULT_MAX_UNCOMPRESSED_BYTES,
  decompress,
  compress as doCompress,
  isSupportedCodec,
} from "./compression.js";
import { crc32c } from "./crc32c.js";
import { asFormatError, FormatError } from "./errors.js";
import {
  Compression,
  type CompressionCodec,
  type DecodedRecord,
  type RecordHeader,
  type RecordInput,
  TimestampType,
  type TimestampTypeValue,
} from "./types.js";
import { isValidUtf8 } from "./utf8.js";
import { Cursor, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "./varint.js";

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
export const MAGIC_V2 = 2;

const O_BATCH_LENGTH = 8;
const O_PARTITION_LEADER_EPOCH = 12;
const O_MAGIC = 16;
const O_CRC = 17;
const O_ATTRIBUTES = 21;
/** The CRC covers the batch from its attributes to its end: [BATCH_CRC_START, LOG_OVERHEAD + batchLength). */
export const BATCH_CRC_START = O_ATTRIBUTES;
const O_LAST_OFFSET_DELTA = 23;
const O_BASE_TIMESTAMP = 27;
const O_MAX_TIMESTAMP = 35;
const O_PRODUCER_ID = 43;
const O_PRODUCER_EPOCH = 51;
const O_BASE_SEQUENCE = 53;
const O_RECORD_COUNT = 57;

const CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;

/** Smallest possible encoded record: length, attributes, ts delta, offset delta, key, value, header count. */
const MIN_RECORD_SIZE = 7;

const TWO_32 = 2 ** 32;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionCodec;
  timestampType: TimestampTypeValue;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface EncodeOptions {
  compression?: CompressionCodec;
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  timestampType?: TimestampTypeValue;
  partitionLeaderEpoch?: number;
  /**
   * Explicit offset deltas, one per record, strictly rising from 0 or more: what a compacted batch keeps of its
   * records' offsets (gaps allowed). Default 0..n-1.
   */
  offsetDeltas?: number[];
  /**
   * The batch's lastOffsetDelta; at least the last record's delta (default exactly that). Kafka's cleaner keeps a
   * batch's original last offset, so the batch still ends where it did and producer sequences stay aligned.
   */
  lastOffsetDelta?: number;
}

export interface ScanOptions {
  /** default true */
  verifyCrc?: boolean;
  /** bound on the decompressed records section; default 64 MiB */
  maxUncompressedBytes?: number;
}

export interface DecodeOptions extends ScanOptions {
  /** default true; false returns keys, values and header values as views into the (decompressed) input */
  copy?: boolean;
}

export interface DecodedBatch {
  header: BatchHeader;
  records: DecodedRecord[];
  /** encoded size of each record, its length varint included (uncompressed bytes) */
  recordSizes: number[];
}

// ---------------------------------------------------------------------------------------------------------------
// int64 as JS numbers

function readInt64(view: DataView, at: number, field: string): number {
  const v = view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(v)) throw new FormatError(`${field} is outside the safe integer range`);
  return v;
}

function writeInt64(view: DataView, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  view.setInt32(at, hi);
  view.setUint32(at + 4, v - hi * TWO_32);
}

/**
 * A plain Uint8Array view of the same memory. Node's Buffer overrides slice() to share memory, so without this a
 * Buffer input would make our "copies" aliases of the caller's bytes.
 */
const plain = (b: Uint8Array): Uint8Array =>
  b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// ---------------------------------------------------------------------------------------------------------------
// header

/**
 * Reads and sanity-checks the 61-byte header of the batch starting at `at`: magic 2, a known codec number, and a
 * declared length that is at least a header and fits in `bytes`. Does not check the CRC.
 * @example const { baseOffset, lastOffsetDelta } = readBatchHeader(bytes);
 */
export function readBatchHeader(bytes: Uint8Array, at = 0): BatchHeader {
  if (!Number.isInteger(at) || at < 0 || bytes.length - at < BATCH_HEADER_SIZE) {
    throw new FormatError(
      `truncated batch header at ${at}: need ${BATCH_HEADER_SIZE} bytes, have ${bytes.length - at}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, BATCH_HEADER_SIZE);
  const batchLength = view.getInt32(O_BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    throw new FormatError(`batch at ${at} declares length ${batchLength}, less than a header`);
  }
  if (batchLength > bytes.length - at - LOG_OVERHEAD) {
    throw new FormatError(
      `truncated batch at ${at}: declares ${batchLength + LOG_OVERHEAD} bytes, have ${bytes.length - at}`,
    );
  }
  const magic = view.getInt8(O_MAGIC);
  if (magic !== MAGIC_V2) throw new FormatError(`batch at ${at} has magic ${magic}; only RecordBatch v2 is supported`);
  const attributes = view.getInt16(O_ATTRIBUTES);
  const codec = attributes & CODEC_MASK;
  if (codec > Compression.zstd) throw new FormatError(`batch at ${at} names unknown compression codec ${codec}`);
  const recordCount = view.getInt32(O_RECORD_COUNT);
  if (recordCount < 0) throw new FormatError(`batch at ${at} declares a negative record count`);
  const lastOffsetDelta = view.getInt32(O_LAST_OFFSET_DELTA);
  if (lastOffsetDelta < 0) throw new FormatError(`batch at ${at} declares a negative lastOffsetDelta`);
  return {
    baseOffset: readInt64(view, 0, "baseOffset"),
    batchLength,
    partitionLeaderEpoch: view.getInt32(O_PARTITION_LEADER_EPOCH),
    magic,
    crc: view.getUint32(O_CRC),
    attributes,
    compression: codec as CompressionCodec,
    timestampType: attributes & TIMESTAMP_TYPE_BIT ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & CONTROL_BIT) !== 0,
    lastOffsetDelta,
    baseTimestamp: readInt64(view, O_BASE_TIMESTAMP, "baseTimestamp"),
    maxTimestamp: readInt64(view, O_MAX_TIMESTAMP, "maxTimestamp"),
    producerId: readInt64(view, O_PRODUCER_ID, "producerId"),
    producerEpoch: view.getInt16(O_PRODUCER_EPOCH),
    baseSequence: view.getInt32(O_BASE_SEQUENCE),
    recordCount,
  };
}

/**
 * Walks a concatenation of batches (a segment, a fetch response) and returns where each one is.
 * Empty input gives []. A truncated or garbage batch anywhere is a FormatError. CRCs are not checked here.
 */
export function splitBatches(bytes: Uint8Array): { header: BatchHeader; start: number; end: number }[] {
  const out: { header: BatchHeader; start: number; end: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = readBatchHeader(bytes, at);
    const end = at + LOG_OVERHEAD + header.batchLength;
    out.push({ header, start: at, end });
    at = end;
  }
  return out;
}

/** The header of `bytes`, which must hold exactly one batch. */
function readSingle(bytes: Uint8Array, what: string): BatchHeader {
  const header = readBatchHeader(bytes, 0);
  const size = LOG_OVERHEAD + header.batchLength;
  if (size !== bytes.length) {
    throw new FormatError(`${what} takes one batch: ${bytes.length - size} bytes follow it (use splitBatches)`);
  }
  return header;
}

function checkCrc(bytes: Uint8Array, header: BatchHeader): void {
  const actual = crc32c(bytes, O_ATTRIBUTES, LOG_OVERHEAD + header.batchLength);
  if (actual !== header.crc) {
    throw new FormatError(`batch CRC mismatch: stored ${header.crc}, computed ${actual}`, {
      details: { baseOffset: header.baseOffset },
    });
  }
}

/** Checks the CRC-32C of the single batch in `bytes`; FormatError on mismatch. */
export function verifyBatchCrc(bytes: Uint8Array): void {
  checkCrc(bytes, readSingle(bytes, "verifyBatchCrc"));
}

// ---------------------------------------------------------------------------------------------------------------
// encode

const utf8 = new TextEncoder();
const NO_NAMES: Uint8Array[] = [];
/** Header names repeat on nearly every record (content-type, trace ids): encode each distinct one once. */
const nameCache = new Map<string, Uint8Array>();

function encodeName(name: string): Uint8Array {
  let b = nameCache.get(name);
  if (b === undefined) {
    b = utf8.encode(name);
    if (nameCache.size >= 1024) nameCache.clear();
    nameCache.set(name, b);
  }
  return b;
}

function checkInt(field: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(field, `${field} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

const bytesSize = (b: Uint8Array | null): number => (b === null ? 1 : sizeOfVarint(b.length) + b.length);

function writeBytes(out: Uint8Array, pos: number, b: Uint8Array | null): number {
  if (b === null) return writeVarint(out, pos, -1);
  pos = writeVarint(out, pos, b.length);
  out.set(b, pos);
  return pos + b.length;
}

/**
 * Encodes records as one RecordBatch v2. Offsets deltas are 0..n-1 (or `offsetDeltas`, with `lastOffsetDelta`, for
 * a compacted batch that keeps its records' offsets); baseTimestamp is the first record's timestamp
 * (as Kafka does), maxTimestamp the largest. Defaults: no compression, baseOffset 0, producerId -1, producerEpoch -1,
 * baseSequence -1, CreateTime, partitionLeaderEpoch -1.
 * @example encodeRecordBatch([{ key: null, value: bytes, headers: [], timestamp: Date.now() }], { compression: Compression.lz4 })
 * @throws InvalidArgumentError for no records, a non-integer timestamp, an out-of-range option, or an unsupported codec;
 *   one about the records is located (`details.at`: `{ record: i, member }`, `{}` for them all), one about an option
 *   names it (`details.field`)
 */
export function encodeRecordBatch(records: RecordInput[], options: EncodeOptions = {}): Uint8Array {
  const n = records.length;
  if (n === 0) throw new InvalidArgumentError({}, "a batch holds at least one record");
  if (n > 0x7fffffff) throw new InvalidArgumentError({}, "too many records for one batch");
  const codec = options.compression ?? Compression.none;
  if (!isSupportedCodec(codec)) {
    throw new InvalidArgumentError("compression", `compression codec ${codecName(codec)} is not supported`);
  }
  const deltas = offsetDeltasOf(options, n);
  const lastRecordDelta = deltas[n - 1]!;
  const lastDelta = checkInt(
    "lastOffsetDelta",
    options.lastOffsetDelta ?? lastRecordDelta,
    lastRecordDelta,
    0x7fffffff,
  );
  const baseOffset = checkInt("baseOffset", options.baseOffset ?? 0, 0, Number.MAX_SAFE_INTEGER - lastDelta);
  const producerId = checkInt("producerId", options.producerId ?? -1, -1, Number.MAX_SAFE_INTEGER);
  const producerEpoch = checkInt("producerEpoch", options.producerEpoch ?? -1, -1, 0x7fff);
  const baseSequence = checkInt("baseSequence", options.baseSequence ?? -1, -1, 0x7fffffff);
  const timestampType = checkInt("timestampType", options.timestampType ?? TimestampType.CreateTime, 0, 1);
  const leaderEpoch = checkInt("partitionLeaderEpoch", options.partitionLeaderEpoch ?? -1, -1, 0x7fffffff);

  // Pass 1: sizes (and header names as UTF-8), so the output is allocated once.
  const baseTimestamp = records[0]!.timestamp;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  const bodySizes = new Int32Array(n);
  const names: Uint8Array[][] = new Array(n);
  let sectionSize = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (!Number.isSafeInteger(r.timestamp)) {
      throw new InvalidArgumentError(
        { record: i, member: "timestamp" },
        `timestamp must be a safe integer, got ${r.timestamp}`,
      );
    }
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    const tsDelta = r.timestamp - baseTimestamp;
    if (!Number.isSafeInteger(tsDelta))
      throw new InvalidArgumentError({ record: i, member: "timestamp" }, "timestamp too far from the first record's");
    let body = 1 + sizeOfVarlong(tsDelta) + sizeOfVarint(deltas[i]!) + bytesSize(r.key) + bytesSize(r.value);
    const headers = r.headers ?? [];
    body += sizeOfVarint(headers.length);
    let encoded = NO_NAMES;
    if (headers.length > 0) {
      encoded = new Array(headers.length);
      for (let h = 0; h < headers.length; h++) {
        const name = encodeName(headers[h]!.name);
        encoded[h] = name;
        body += sizeOfVarint(name.length) + name.length + bytesSize(headers[h]!.value);
      }
    }
    names[i] = encoded;
    if (body > 0x7fffffff) throw new InvalidArgumentError({ record: i }, "record too large to encode");
    bodySizes[i] = body;
    sectionSize += sizeOfVarint(body) + body;
  }

  // Pass 2: records, straight into the batch when uncompressed.
  const uncompressed = codec === Compression.none;
  const section = uncompressed ? new Uint8Array(BATCH_HEADER_SIZE + sectionSize) : new Uint8Array(sectionSize);
  let pos = uncompressed ? BATCH_HEADER_SIZE : 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    pos = writeVarint(section, pos, bodySizes[i]!);
    section[pos++] = 0; // record attributes: unused by Kafka
    pos = writeVarlong(section, pos, r.timestamp - baseTimestamp);
    pos = writeVarint(section, pos, deltas[i]!);
    pos = writeBytes(section, pos, r.key);
    pos = writeBytes(section, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeVarint(section, pos, headers.length);
    const encoded = names[i]!;
    for (let h = 0; h < headers.length; h++) {
      pos = writeBytes(section, pos, encoded[h]!);
      pos = writeBytes(section, pos, headers[h]!.value);
    }
  }

  let out: Uint8Array;
  if (uncompressed) out = section;
  else {
    const compressed = doCompress(codec, section);
    out = new Uint8Array(BATCH_HEADER_SIZE + compressed.length);
    out.set(compressed, BATCH_HEADER_SIZE);
  }
  if (out.length - LOG_OVERHEAD > 0x7fffffff) throw new InvalidArgumentError({}, "batch larger than 2 GiB");

  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  writeInt64(view, 0, baseOffset);
  view.setInt32(O_BATCH_LENGTH, out.length - LOG_OVERHEAD);
  view.setInt32(O_PARTITION_LEADER_EPOCH, leaderEpoch);
  view.setInt8(O_MAGIC, MAGIC_V2);
  view.setInt16(O_ATTRIBUTES, codec | (timestampType === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_BIT : 0));
  view.setInt32(O_LAST_OFFSET_DELTA, lastDelta);
  writeInt64(view, O_BASE_TIMESTAMP, baseTimestamp);
  writeInt64(view, O_MAX_TIMESTAMP, maxTimestamp);
  writeInt64(view, O_PRODUCER_ID, producerId);
  view.setInt16(O_PRODUCER_EPOCH, producerEpoch);
  view.setInt32(O_BASE_SEQUENCE, baseSequence);
  view.setInt32(O_RECORD_COUNT, n);
  view.setUint32(O_CRC, crc32c(out, O_ATTRIBUTES, out.length));
  return out;
}

/** The offset deltas to write: 0..n-1, or the caller's, checked to rise strictly from 0 or more. */
function offsetDeltasOf(options: EncodeOptions, n: number): ArrayLike<number> {
  const given = options.offsetDeltas;
  if (given === undefined) {
    const deltas = new Int32Array(n);
    for (let i = 0; i < n; i++) deltas[i] = i;
    return deltas;
  }
  if (given.length !== n) {
    throw new InvalidArgumentError("offsetDeltas", `offsetDeltas has ${given.length} entries for ${n} records`);
  }
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const d = checkInt(`offsetDeltas[${i}]`, given[i]!, 0, 0x7fffffff);
    if (d <= prev) throw new InvalidArgumentError(`offsetDeltas[${i}]`, `offset deltas must rise: ${d} after ${prev}`);
    prev = d;
  }
  return given;
}

// ---------------------------------------------------------------------------------------------------------------
// decode

/** BOM kept: a header name that starts with U+FEFF is that name, not the name without it. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function readLength(c: Cursor, what: string, allowNull: boolean): number {
  const len = readVarint(c);
  if (len < (allowNull ? -1 : 0)) throw new FormatError(`negative ${what} length ${len}`);
  if (len > c.end - c.pos) throw new FormatError(`${what} length ${len} runs past the record`);
  return len;
}

function readBytes(c: Cursor, what: string, copy: boolean): Uint8Array | null {
  const len = readLength(c, what, true);
  if (len < 0) return null;
  const b = copy ? c.bytes.slice(c.pos, c.pos + len) : c.bytes.subarray(c.pos, c.pos + len);
  c.pos += len;
  return b;
}

/** Steps over a nullable byte field; returns its length, -1 for null. */
function skipBytes(c: Cursor, what: string): number {
  const len = readLength(c, what, true);
  if (len > 0) c.pos += len;
  return len;
}

function readName(c: Cursor): string {
  const len = readLength(c, "header name", false);
  const b = c.bytes;
  const start = c.pos;
  c.pos += len;
  // Short ASCII names (the common case) skip TextDecoder's per-call overhead.
  if (len <= 32) {
    let s = "";
    for (let i = start; i < start + len; i++) {
      const ch = b[i]!;
      if (ch >= 0x80) return decodeUtf8(b, start, start + len);
      s += String.fromCharCode(ch);
    }
    return s;
  }
  return decodeUtf8(b, start, start + len);
}

function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  try {
    return utf8Decoder.decode(b.subarray(start, end));
  } catch (e) {
    throw asFormatError(e, "header name is not valid UTF-8");
  }
}

/** Steps over a header name, checking it is UTF-8 as readName would, without building the string. */
function skipName(c: Cursor): void {
  const len = readLength(c, "header name", false);
  const start = c.pos;
  c.pos += len;
  if (!isValidUtf8(c.bytes, start, start + len)) throw new FormatError("header name is not valid UTF-8");
}

function readHeaderCount(c: Cursor): number {
  const count = readVarint(c);
  if (count < 0) throw new FormatError(`negative header count ${count}`);
  // Each header takes at least 2 bytes: checked before allocating anything sized by the count.
  if (count * 2 > c.end - c.pos) throw new FormatError(`header count ${count} runs past the record`);
  return count;
}

function readHeaders(c: Cursor, copy: boolean): RecordHeader[] {
  const count = readHeaderCount(c);
  const headers: RecordHeader[] = new Array(count);
  for (let h = 0; h < count; h++) {
    const name = readName(c);
    headers[h] = { name, value: readBytes(c, "header value", copy) };
  }
  return headers;
}

function skipHeaders(c: Cursor): void {
  const count = readHeaderCount(c);
  for (let h = 0; h < count; h++) {
    skipName(c);
    skipBytes(c, "header value");
  }
}

// The record walk, shared by decodeRecordBatch and scanRecordBatch so both accept and reject exactly the same bytes.
// Each step reads through one Cursor over the (decompressed) records section and allocates nothing.

/** The checks made before the walk: exactly one batch, its CRC, the section decompressed within bounds. */
function openRecords(input: Uint8Array, options: ScanOptions, what: string): { header: BatchHeader; data: Uint8Array } {
  const bytes = plain(input);
  const header = readSingle(bytes, what);
  if (options.verifyCrc !== false) checkCrc(bytes, header);
  const section = bytes.subarray(BATCH_HEADER_SIZE, bytes.length);
  const data = decompress(header.compression, section, options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES);
  // Also what bounds any array sized by the count.
  if (header.recordCount * MIN_RECORD_SIZE > data.length) {
    throw new FormatError(`record count ${header.recordCount} cannot fit in ${data.length} bytes of records`);
  }
  return { header, data };
}

/** Reads record i's length and steps over its attributes, narrowing `c` to the record; returns where it ends. */
function enterRecord(c: Cursor, i: number, sectionEnd: number): number {
  c.end = sectionEnd;
  const length = readLength(c, "record", false);
  if (length === 0) throw new FormatError(`record ${i} is empty`);
  const recordEnd = c.pos + length;
  c.end = recordEnd;
  c.pos++; // record attributes: unused
  return recordEnd;
}

/** Record i's offset delta, which must rise above the previous one's. */
function readOffsetDelta(c: Cursor, i: number, prevDelta: number): number {
  const offsetDelta = readVarint(c);
  if (offsetDelta <= prevDelta) throw new FormatError(`record ${i} offsetDelta ${offsetDelta} does not rise`);
  return offsetDelta;
}

/** Checks record i's fields ended exactly where its length said. */
function leaveRecord(c: Cursor, i: number, recordEnd: number): void {
  if (c.pos !== recordEnd) {
    throw new FormatError(`record ${i} ends at byte ${recordEnd} of the section but its fields end at ${c.pos}`);
  }
}

/** Record i's absolute timestamp: the batch's maxTimestamp under LogAppendTime, else base + delta. */
function recordTimestamp(header: BatchHeader, i: number, timestampDelta: number): number {
  const timestamp =
    header.timestampType === TimestampType.LogAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
  if (!Number.isSafeInteger(timestamp)) throw new FormatError(`record ${i} timestamp outside the safe range`);
  return timestamp;
}

/** The checks made after the walk: the records filled the section, and the last offset is in range. */
function closeRecords(header: BatchHeader, c: Cursor, data: Uint8Array, lastDelta: number): void {
  if (c.pos !== data.length) throw new FormatError(`${data.length - c.pos} bytes follow the last record`);
  if (lastDelta > header.lastOffsetDelta) {
    throw new FormatError(`offsetDelta ${lastDelta} exceeds lastOffsetDelta ${header.lastOffsetDelta}`);
  }
  if (!Number.isSafeInteger(header.baseOffset + header.lastOffsetDelta)) {
    throw new FormatError("last offset outside the safe integer range");
  }
}

/**
 * The records of one batch, decoded one at a time: a reader that wants a few records of a large batch builds only
 * those. Opening makes decodeRecordBatch's up-front checks (one batch, CRC unless `verifyCrc: false`, the section
 * decompressed within bounds, a record count that fits); each record is checked as it is reached, and the checks
 * on the whole batch (the records fill the section, the last offset delta) run when next() reaches the end.
 * @example const reader = readRecords(bytes); for (let r = reader.next(); r; r = reader.next()) use(r, reader.size);
 * @throws FormatError, from readRecords or next(), for anything decodeRecordBatch rejects
 */
export class RecordReader {
  /** the encoded size of the record next() last returned, its length varint included (uncompressed bytes) */
  size = 0;
  private readonly c: Cursor;
  private index = 0;
  private prevDelta = -1;
  private closed = false;

  constructor(
    readonly header: BatchHeader,
    private readonly data: Uint8Array,
    private readonly copy: boolean,
  ) {
    this.c = new Cursor(data, 0, data.length);
  }

  /**
   * The next record whose offset delta is at least `minOffsetDelta`, or undefined after the last. Records below it
   * are stepped over (checked, not built): a read from the middle of a batch allocates only what it returns.
   */
  next(minOffsetDelta = 0): DecodedRecord | undefined {
    const { c, data, header } = this;
    while (this.index < header.recordCount) {
      const i = this.index++;
      const start = c.pos;
      const recordEnd = enterRecord(c, i, data.length);
      const timestampDelta = readVarlong(c);
      const offsetDelta = readOffsetDelta(c, i, this.prevDelta);
      this.prevDelta = offsetDelta;
      if (offsetDelta < minOffsetDelta) {
        skipBytes(c, "key");
        skipBytes(c, "value");
        skipHeaders(c);
        leaveRecord(c, i, recordEnd);
        continue;
      }
      const key = readBytes(c, "key", this.copy);
      const value = readBytes(c, "value", this.copy);
      const headers = readHeaders(c, this.copy);
      leaveRecord(c, i, recordEnd);
      const timestamp = recordTimestamp(header, i, timestampDelta);
      this.size = recordEnd - start;
      return { offset: header.baseOffset + offsetDelta, timestamp, key, value, headers };
    }
    if (!this.closed) {
      this.closed = true;
      closeRecords(header, c, data, this.prevDelta);
    }
    return undefined;
  }
}

/**
 * Opens one batch for reading record by record (see RecordReader). Keys, values and header values are copies
 * unless `copy: false` asks for views into the (decompressed) input.
 */
export function readRecords(input: Uint8Array, options: DecodeOptions = {}): RecordReader {
  const { header, data } = openRecords(input, options, "readRecords");
  return new RecordReader(header, data, options.copy !== false);
}

/**
 * Decodes one batch (exactly one: trailing bytes are an error). Checks the CRC (unless `verifyCrc: false`), that the
 * records fill the section exactly, each record's declared length, the record count, and that offset deltas rise
 * and stay within lastOffsetDelta (compaction may leave gaps). Keys, values and header values are copies, unless
 * `copy: false` asks for views into the input (for callers that own the input buffer). For validation alone,
 * scanRecordBatch makes the same checks without building records; to read only some records, readRecords.
 * @example const { records } = decodeRecordBatch(bytes); records[0].offset
 */
export function decodeRecordBatch(input: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  const { header, data } = openRecords(input, options, "decodeRecordBatch");
  const reader = new RecordReader(header, data, options.copy !== false);
  const count = header.recordCount;
  const records: DecodedRecord[] = new Array(count);
  const recordSizes: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // never undefined before the count is reached: next() throws instead
    records[i] = reader.next()!;
    recordSizes[i] = reader.size;
  }
  reader.next(); // the checks on the whole batch
  return { header, records, recordSizes };
}

/** What scanRecordBatch reports of each record, indexed by its position in the batch. */
export interface ScannedBatch {
  header: BatchHeader;
  /** absolute timestamp of each record, as decodeRecordBatch computes it */
  timestamps: Float64Array;
  /** encoded size of each record, its length varint included (uncompressed bytes): decodeRecordBatch's recordSizes */
  sizes: Int32Array;
  /** 1 where the record's key is null, else 0 */
  nullKeys: Uint8Array;
}

/**
 * Validates one batch exactly as decodeRecordBatch does (same inputs accepted, same FormatErrors) and returns only
 * what a produce check needs of each record, without allocating anything per record: no record objects, no views,
 * no strings (header names are checked as UTF-8 in place). With `verifyCrc: false` the caller may check the CRC
 * itself, in chunks (crc32c's seed over [BATCH_CRC_START, end), compared with header.crc).
 * @example const { header, timestamps, sizes, nullKeys } = scanRecordBatch(bytes);
 * @throws FormatError for anything decodeRecordBatch rejects
 */
export function scanRecordBatch(input: Uint8Array, options: ScanOptions = {}): ScannedBatch {
  const { header, data } = openRecords(input, options, "scanRecordBatch");
  const count = header.recordCount;
  const timestamps = new Float64Array(count);
  const sizes = new Int32Array(count);
  const nullKeys = new Uint8Array(count);
  const c = new Cursor(data, 0, data.length);
  let prevDelta = -1;
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const recordEnd = enterRecord(c, i, data.length);
    const timestampDelta = readVarlong(c);
    prevDelta = readOffsetDelta(c, i, prevDelta);
    if (skipBytes(c, "key") < 0) nullKeys[i] = 1;
    skipBytes(c, "value");
    skipHeaders(c);
    leaveRecord(c, i, recordEnd);
    timestamps[i] = recordTimestamp(header, i, timestampDelta);
    sizes[i] = recordEnd - start;
  }
  closeRecords(header, c, data, prevDelta);
  return { header, timestamps, sizes, nullKeys };
}

// ---------------------------------------------------------------------------------------------------------------
// stamping

/**
 * A copy of the single batch in `bytes` with `baseOffset` stamped in. baseOffset is outside the CRC, so the CRC
 * stays valid: this is how the log assigns offsets to a batch stored as sent.
 */
export function withBaseOffset(bytes: Uint8Array, baseOffset: number): Uint8Array {
  const header = readSingle(bytes, "withBaseOffset");
  checkInt("baseOffset", baseOffset, 0, Number.MAX_SAFE_INTEGER - header.lastOffsetDelta);
  const out = plain(bytes).slice();
  writeInt64(new DataView(out.buffer, out.byteOffset, out.byteLength), 0, baseOffset);
  return out;
}

/**
 * A copy of the single batch in `bytes` marked LogAppendTime with maxTimestamp = `appendTime` and the CRC recomputed,
 * as a Kafka broker does for a LogAppendTime topic. The CRC is verified first so a corrupt batch is never re-sealed.
 */
export function withLogAppendTime(bytes: Uint8Array, appendTime: number): Uint8Array {
  const header = readSingle(bytes, "withLogAppendTime");
  checkInt("appendTime", appendTime, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkCrc(bytes, header);
  const out = plain(bytes).slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt16(O_ATTRIBUTES, header.attributes | TIMESTAMP_TYPE_BIT);
  writeInt64(view, O_MAX_TIMESTAMP, appendTime);
  view.setUint32(O_CRC, crc32c(out, O_ATTRIBUTES, out.length));
  return out;
}
