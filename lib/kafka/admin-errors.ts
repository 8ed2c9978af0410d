/**
 * The admin APIs' refusals that have no Strata error behind them (a request shape Kafka itself refuses), as a
 * StrataError-free pair of Kafka code and message, plus the codes the core table (errors.ts) does not list.
 * Errors the domain raises still go through errors.ts's kafkaErrorCode.
 */
import { KafkaError, kafkaErrorCode, kafkaErrorMessage, type RequestKind } from "./errors.js";

/** Kafka's codes used by the admin APIs beyond errors.ts's table (Errors.java). */
export const AdminError = {
  ...KafkaError,
  INVALID_REPLICA_ASSIGNMENT: 39,
  MISMATCHED_ENDPOINT_TYPE: 114,
} as const;

/** A refusal decided by the handler itself. */
export class KafkaRefusal extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "KafkaRefusal";
  }
}

/** The error code and message a failed admin step answers with. */
export function adminFailure(e: unknown, where: RequestKind): { errorCode: number; errorMessage: string } {
  if (e instanceof KafkaRefusal) return { errorCode: e.errorCode, errorMessage: e.message };
  return { errorCode: kafkaErrorCode(e, where), errorMessage: kafkaErrorMessage(e) };
}
