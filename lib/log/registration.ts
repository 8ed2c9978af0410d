/**
 * Producer registration: a fresh producer id claimed with a conditional write, or, for a transactional id, the
 * same id every time with its epoch bumped (fencing the older instance). An exhausted epoch retires the id on
 * every partition and starts a new one at epoch 0, as Kafka does.
 */
import { randomInt } from "node:crypto";
import { NAME_MAX_LENGTH } from "../contract.js";
import { InvalidArgumentError, StrataError } from "../errors.js";
import { ConditionFailedError, MAX_TRANSACTION_ITEMS, type WriteOp } from "../storage/ledger.js";
import type { LogContext } from "./context.js";
import { producerClaimKey, producerStateKey, transactionalIdKey } from "./keys.js";
import { MAX_EPOCH, retiredProducerStateOp, transactionalIdFromItem } from "./producers.js";
import type { RegisteredProducer } from "./types.js";

/** Kafka's default producer.id.expiration.ms: a day */
export const PRODUCER_EXPIRATION_MS = 86_400_000;

/**
 * Registers an idempotent producer. Without a transactional id: a fresh random id, claimed with a conditional
 * write so two producers never share one. With one: the same id every time and the epoch bumped, which fences
 * the older instance on every partition it writes to next.
 */
export async function registerProducer(ctx: LogContext, transactionalId?: string): Promise<RegisteredProducer> {
  if (transactionalId === undefined) return { producerId: await claimProducerId(ctx), producerEpoch: 0 };
  if (typeof transactionalId !== "string" || transactionalId.length < 1 || transactionalId.length > NAME_MAX_LENGTH) {
    throw new InvalidArgumentError("transactionalId", `transactionalId must be 1 to ${NAME_MAX_LENGTH} characters`);
  }
  const key = transactionalIdKey(transactionalId);
  for (let attempt = 0; attempt < 10; attempt++) {
    const item = await ctx.ledger.get(key);
    const current = item ? transactionalIdFromItem(item) : undefined;
    let producerId = current?.producerId;
    let epoch = current ? current.epoch + 1 : 0;
    if (producerId !== undefined && epoch > MAX_EPOCH) {
      // Kafka's answer to an exhausted epoch: a new producer id at epoch 0. The old id is fenced first, on
      // every partition, since no epoch bump of the new id can fence it.
      await retireProducerId(ctx, producerId);
      producerId = undefined;
      epoch = 0;
    }
    producerId ??= await claimProducerId(ctx);
    try {
      await ctx.ledger.write({
        type: "put",
        key,
        attrs: { producerId, epoch },
        condition: current
          ? {
              op: "and",
              conditions: [
                { op: "eq", attr: "producerId", value: current.producerId },
                { op: "eq", attr: "epoch", value: current.epoch },
              ],
            }
          : { op: "notExists" },
      });
      return { producerId, producerEpoch: epoch };
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw new StrataError("CONCURRENT_MODIFICATION", "transactional id is contended; retry", { retriable: true });
}

/**
 * Fences every epoch of a producer id on every partition of every topic (a put each, 100 per transaction): run
 * once per 32,768 registrations of a transactional id. A partition created later has no state for it, so a
 * zombie could still start there at sequence 0, as a zombie can on a partition its successor has not written.
 */
async function retireProducerId(ctx: LogContext, producerId: number): Promise<void> {
  const now = ctx.clock.now();
  const ops: WriteOp[] = [];
  for (const topic of await ctx.topics.list()) {
    for (let p = 0; p < topic.partitions; p++) {
      const key = producerStateKey(topic.id, p, producerId);
      ops.push(retiredProducerStateOp(key, ctx.settings.producerExpirationMs, now));
    }
  }
  for (let i = 0; i < ops.length; i += MAX_TRANSACTION_ITEMS) {
    await ctx.ledger.transact(ops.slice(i, i + MAX_TRANSACTION_ITEMS));
  }
}

async function claimProducerId(ctx: LogContext): Promise<number> {
  for (;;) {
    const producerId = randomInt(1, 2 ** 47);
    try {
      await ctx.ledger.write({
        type: "put",
        key: producerClaimKey(producerId),
        // The claim only keeps two live registrations from sharing an id; it expires with producer state.
        attrs: { at: ctx.clock.now(), ttl: Math.floor((ctx.clock.now() + ctx.settings.producerExpirationMs) / 1000) },
        condition: { op: "notExists" },
      });
      return producerId;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
}
