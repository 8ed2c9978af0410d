/**
 * Validation of batches produced as RecordBatch v2 bytes (the binary path), in two passes:
 *
 * - planBatches (synchronous, headers only): the split into batches, flags, counts, producer fields. Cheap, and
 *   everything the commit needs (record count, producer) comes from here.
 * - checkBatchesDeeply (asynchronous): each batch's CRC-32C and every record against the topic's rules. This is
 *   most of the CPU a produce costs (about 1 ms per MiB), so the log runs it while the object is being written
 *   and synced, and commits only if it passed. The CRC goes in chunks with a turn of the event loop between
 *   them, so the write's completion can start the fdatasync without waiting for the whole check.
 *
 * Either pass locates what is at fault (a Location: input k, batch b, record j, member such as `timestamp`).
 */
import { MAX_RECORDS_PER_BATCH } from "../contract.js";
import { InvalidArgumentError, type Location } from "../errors.js";
import { crc32c } from "../format/crc32c.js";
import { FormatError } from "../format/errors.js";
import {
  BATCH_CRC_START,
  type BatchHeader,
  LOG_OVERHEAD,
  scanRecordBatch,
  splitBatches,
} from "../format/record-batch.js";
import { TimestampType } from "../format/types.js";
import { checkProducer, type PartitionProducer } from "./producer-identity.js";
import { checkRecordFields, type TopicRules } from "./records.js";

/**
 * The most a produced batch may decompress to. Every fetch that touches a batch inflates all of it (then decodes
 * only the records it returns), so one that inflates to the decoder's 64 MiB ceiling would cost every reader of
 * the partition that much memory and time, in a Lambda possibly more than it has: a poison batch.
 * 16 MiB is 4x the largest body at a compression ratio few real payloads reach.
 */
export const MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES = 16 * 1024 * 1024;

/** CRC bytes between two turns of the event loop: tens of microseconds */
const CRC_CHUNK = 64 * 1024;

export interface PlannedBatch {
  /** where it is in the input: the entry and the batch */
  at: Location;
  header: BatchHeader;
  bytes: Uint8Array;
}

export interface PlannedPartition {
  count: number;
  /** the largest record timestamp the headers claim (checked against the records by the deep pass) */
  maxTimestamp: number;
  batches: PlannedBatch[];
  /** set when the batch header names an idempotent producer */
  producer?: PartitionProducer;
}

/** Splits one partition's bytes (the input's entry `input`) into batches and checks what their headers say. */
export function planBatches(bytes: Uint8Array, input: number): PlannedPartition {
  const entry: Location = { input };
  let parts: ReturnType<typeof splitBatches>;
  try {
    parts = splitBatches(bytes);
  } catch (e) {
    throw new InvalidArgumentError(entry, `not RecordBatch v2 bytes: ${(e as Error).message}`);
  }
  if (parts.length === 0) throw new InvalidArgumentError(entry, "no batches given");
  const plan: PlannedPartition = { count: 0, maxTimestamp: -1, batches: [] };
  for (const [b, part] of parts.entries()) {
    const where: Location = { input, batch: b };
    const h = part.header;
    if (h.isTransactional || h.isControl) {
      throw new InvalidArgumentError(where, "transactional and control batches are not supported");
    }
    checkRecordCount(h.recordCount, where);
    if (h.recordCount !== h.lastOffsetDelta + 1) {
      throw new InvalidArgumentError(where, "a produced batch must have dense offset deltas 0..n-1");
    }
    if (h.producerId >= 0) {
      if (parts.length !== 1)
        throw new InvalidArgumentError(entry, "an idempotent produce sends one batch per partition");
      plan.producer = checkProducer(
        { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence },
        where,
      );
    }
    plan.count += h.recordCount;
    plan.maxTimestamp = Math.max(plan.maxTimestamp, h.maxTimestamp);
    plan.batches.push({ at: where, header: h, bytes: bytes.subarray(part.start, part.end) });
  }
  return plan;
}

/**
 * Refuses a batch of more than MAX_RECORDS_PER_BATCH records, located `at`, naming the limit. Every produce path
 * calls it: the binary one on each batch header, the JSON one on each partition's records before encoding them.
 */
export function checkRecordCount(count: number, at: Location, what = "this batch"): void {
  if (count > MAX_RECORDS_PER_BATCH) {
    const e = new InvalidArgumentError(
      at,
      `a batch holds at most ${MAX_RECORDS_PER_BATCH} records; ${what} holds ${count} (split it)`,
    );
    Object.assign(e.details, { limit: MAX_RECORDS_PER_BATCH, count });
    throw e;
  }
}

/** Checks the CRC and every record of every planned batch; throws the first problem found. */
export async function checkBatchesDeeply(
  partitions: PlannedPartition[],
  rules: TopicRules,
  now: number,
): Promise<void> {
  for (const p of partitions) {
    for (const batch of p.batches) {
      await checkCrcInChunks(batch);
      checkRecords(batch, rules, now);
    }
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function checkCrcInChunks({ bytes, header, at }: PlannedBatch): Promise<void> {
  const end = LOG_OVERHEAD + header.batchLength;
  let crc = 0;
  for (let at = BATCH_CRC_START; at < end; at += CRC_CHUNK) {
    await nextTurn();
    crc = crc32c(bytes, at, Math.min(end, at + CRC_CHUNK), crc);
  }
  if (crc !== header.crc) {
    throw new InvalidArgumentError(at, `batch CRC mismatch: stored ${header.crc}, computed ${crc}`);
  }
}

function checkRecords({ bytes, header, at }: PlannedBatch, rules: TopicRules, now: number): void {
  let scanned: ReturnType<typeof scanRecordBatch>;
  try {
    scanned = scanRecordBatch(bytes, {
      verifyCrc: false,
      maxUncompressedBytes: MAX_PRODUCED_BATCH_UNCOMPRESSED_BYTES,
    });
  } catch (e) {
    if (e instanceof FormatError) throw new InvalidArgumentError(at, e.message);
    throw e;
  }
  const { timestamps, sizes, nullKeys } = scanned;
  let batchMax = -1;
  for (let j = 0; j < timestamps.length; j++) {
    const timestamp = timestamps[j]!;
    checkRecordFields(rules, nullKeys[j] === 1, rules.logAppendTime ? now : timestamp, sizes[j]!, now, {
      ...at,
      record: j,
    });
    if (timestamp > batchMax) batchMax = timestamp;
  }
  // The header's maxTimestamp feeds offset-for-time and retention: it must be what the records say.
  if (header.timestampType === TimestampType.CreateTime && header.maxTimestamp !== batchMax) {
    throw new InvalidArgumentError(
      { ...at, member: "maxTimestamp" },
      `maxTimestamp ${header.maxTimestamp} is not the largest record timestamp (${batchMax})`,
    );
  }
}
