/**
 * The one door between the client and the server's source tree: the PURE codec (Kafka RecordBatch v2, the
 * compression codecs, Kafka's murmur2 partitioner). Nothing here does I/O or touches the server. build.mjs compiles
 * these modules into the client's bundle, so the published package carries them and never reaches ../lib at
 * runtime, while this repository keeps one source of truth for the bytes.
 */
export { CODEC_BY_NAME, type CompressionName, codecByName } from "../../lib/format/compression.js";
export { decodeFetchFrames } from "../../lib/format/fetch-frames.js";
export { decodeRecordBatch, encodeRecordBatch, readRecords, splitBatches } from "../../lib/format/record-batch.js";
export { Compression, type CompressionCodec, type DecodedRecord, type RecordInput } from "../../lib/format/types.js";
export { zstdReady } from "../../lib/format/zstd.js";
export { murmur2, partitionForKey } from "../../lib/log/partitioner.js";
