/**
 * InitProducerId: an idempotent producer gets a fresh producer id at epoch 0 from the log's registry (a producer
 * that names its previous id and epoch, v3+, gets a fresh one too). A transactional id is refused with
 * INVALID_REQUEST and a log line until transactions exist.
 */
import { KafkaError } from "../errors.js";
import { InitProducerId } from "../protocol/messages/init-producer-id.js";
import type { Handler } from "./types.js";

export const initProducerId: Handler = {
  spec: InitProducerId,
  async handle(ctx, req) {
    if (req.transactionalId !== null) {
      ctx.logger.warn(
        { component: "kafka", transactionalId: req.transactionalId },
        "InitProducerId with a transactional.id refused: transactions are not supported yet (idempotence is)",
      );
      return { throttleTimeMs: 0, errorCode: KafkaError.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    }
    const p = await ctx.log.registerProducer();
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, producerId: p.producerId, producerEpoch: p.producerEpoch };
  },
};
