/**
 * The producer identity a produce declares, checked in one place for every path (JSON records, binary batches
 * and batch headers): Kafka's ranges, and a base sequence for each partition the produce writes to.
 */
import { InvalidArgumentError, type Location } from "../errors.js";
import { MAX_EPOCH, MAX_SEQUENCE } from "./producers.js";
import type { ProducerIdentity } from "./types.js";

/** One partition's share of an idempotent produce. */
export interface PartitionProducer {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/**
 * Kafka's ranges: producer id a non-negative int64 (here: a safe integer), epoch an int16, sequence an int32.
 * Anything else is refused, whichever way it arrived (JSON fields, query parameters or a batch header), located
 * `where` plus the member: a batch header's place in the input, or `{ partition }` for the declared producer.
 */
export function checkProducer(p: PartitionProducer, where: Location): PartitionProducer {
  if (!Number.isSafeInteger(p.producerId) || p.producerId < 0) {
    throw new InvalidArgumentError({ ...where, member: "producerId" }, "producerId must be a non-negative integer");
  }
  if (!Number.isInteger(p.producerEpoch) || p.producerEpoch < 0 || p.producerEpoch > MAX_EPOCH) {
    throw new InvalidArgumentError(
      { ...where, member: "producerEpoch" },
      `producerEpoch must be an integer from 0 to ${MAX_EPOCH}`,
    );
  }
  if (!Number.isInteger(p.baseSequence) || p.baseSequence < 0 || p.baseSequence > MAX_SEQUENCE) {
    throw new InvalidArgumentError(
      { ...where, member: "baseSequence" },
      `baseSequence must be an integer from 0 to ${MAX_SEQUENCE}`,
    );
  }
  return p;
}

/** The declared producer as it applies to one partition: its base sequence there must be given. */
export function declaredProducer(producer: ProducerIdentity, partition: number): PartitionProducer {
  const baseSequence = producer.baseSequences[partition];
  if (baseSequence === undefined || !Number.isInteger(baseSequence) || baseSequence < 0) {
    throw new InvalidArgumentError(
      { member: "baseSequence", partition },
      `an idempotent produce needs a non-negative integer base sequence for partition ${partition}`,
    );
  }
  return checkProducer(
    { producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence },
    { partition },
  );
}
