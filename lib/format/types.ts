/** The values lib/format encodes and decodes. No I/O anywhere in lib/format. */

/** Kafka's compression codec numbers (attributes bits 0-2). */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof Compression)[keyof typeof Compression];

/** Kafka's timestamp types (attributes bit 3). */
export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampTypeValue = (typeof TimestampType)[keyof typeof TimestampType];

export interface RecordHeader {
  /** UTF-8 header name (Kafka header keys are strings); names may repeat */
  name: string;
  /** null is allowed by the format */
  value: Uint8Array | null;
}

/** A record as a producer hands it over. */
export interface RecordInput {
  key: Uint8Array | null;
  /** null is a tombstone */
  value: Uint8Array | null;
  headers: RecordHeader[];
  /** ms since the epoch */
  timestamp: number;
}

/** A record read back from a batch. */
export interface DecodedRecord extends RecordInput {
  offset: number;
}
