/**
 * AWS SDK v3 middleware for tests: count every request attempt per operation, and inject faults.
 *
 * Both sit in the finalizeRequest step inside the SDK's retry middleware, so they see every attempt (a
 * request retried once counts twice) and an injected fault goes through the SDK's real retry decision.
 * A fault "before" next() never reaches the service; a fault "after" next() was applied by the service and
 * the caller still sees an error: the dangerous case every conditioned write must survive.
 *
 * The injected errors have the shapes the SDK itself produces (its exception classes, HTTP status, $fault),
 * because that is all the SDK's retry and the adapters' error mapping look at.
 */
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import { S3ServiceException } from "@aws-sdk/client-s3";
import type { FinalizeRequestMiddleware, HandlerExecutionContext, MetadataBearer } from "@smithy/types";

/** The part of any SDK v3 client this module needs. */
export interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: FinalizeRequestMiddleware<object, MetadataBearer>,
      options: { relation: "before" | "after"; toMiddleware: string; name?: string },
    ): void;
    remove(name: string): boolean;
    identify(): string[];
  };
}

/** One attempt as the wire saw it: the operation and the command input. */
export interface Attempt {
  operation: string;
  input: Record<string, unknown>;
}

export interface RequestCounter {
  /** attempts of one operation ("PutObject", "Query", ...), or all attempts without an argument */
  count(operation?: string): number;
  total(): number;
  /** per operation, e.g. { PutObject: 1, TransactWriteItems: 2 } */
  byOperation(): Record<string, number>;
  /** every attempt, in order */
  readonly attempts: Attempt[];
  reset(): void;
  /** uninstall from every client */
  remove(): void;
}

let installed = 0;

/** "PutObjectCommand" -> "PutObject" */
function operationName(context: HandlerExecutionContext): string {
  return (context.commandName ?? "Unknown").replace(/Command$/, "");
}

/**
 * Inside the retry middleware, and inside Strata's own conflict-retry marker when the ledger installed one
 * (so an injected conflict is classified like a real one), whichever was installed first.
 */
function install(client: MiddlewareClient, middleware: FinalizeRequestMiddleware<object, MetadataBearer>): string {
  const name = `strataTest${++installed}`;
  const stack = client.middlewareStack.identify();
  const anchor = stack.some((m) => m.startsWith("strataConflictRetry ")) ? "strataConflictRetry" : "retryMiddleware";
  client.middlewareStack.addRelativeTo(middleware, { relation: "after", toMiddleware: anchor, name });
  return name;
}

/**
 * Count every attempt the given clients send.
 *
 * @example
 * const counter = countRequests(aws.s3, aws.dynamodb);
 * await store.put("k", bytes);
 * expect(counter.count("PutObject")).toBe(1);
 */
export function countRequests(...clients: MiddlewareClient[]): RequestCounter {
  const attempts: Attempt[] = [];
  const middleware: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    attempts.push({ operation: operationName(context), input: args.input as Record<string, unknown> });
    return next(args);
  };
  const names = clients.map((client) => install(client, middleware));
  return {
    attempts,
    count: (operation?: string) =>
      operation === undefined ? attempts.length : attempts.filter((a) => a.operation === operation).length,
    total: () => attempts.length,
    byOperation: () => {
      const out: Record<string, number> = {};
      for (const a of attempts) out[a.operation] = (out[a.operation] ?? 0) + 1;
      return out;
    },
    reset: () => {
      attempts.length = 0;
    },
    remove: () => {
      clients.forEach((client, i) => {
        client.middlewareStack.remove(names[i]!);
      });
    },
  };
}

export type FaultKind =
  /** DynamoDB: ProvisionedThroughputExceededException (400, throttling) */
  | "throughputExceeded"
  /** DynamoDB: ThrottlingException (400, throttling) */
  | "throttling"
  /** TransactWriteItems: TransactionCanceledException with TransactionConflict; other operations: TransactionConflictException */
  | "transactionConflict"
  /** DynamoDB: InternalServerError (500) */
  | "internalError"
  /** S3: SlowDown (503) */
  | "slowDown"
  /** the Node HTTP handler's TimeoutError (no response) */
  | "timeout"
  /** DynamoDB: ValidationException (400, not retriable) */
  | "validation"
  /** S3: AccessDenied (403, not retriable) */
  | "accessDenied";

export interface FaultRule {
  /** operation name without "Command": "PutItem", "TransactWriteItems", "PutObject", ... */
  operation: string;
  kind: FaultKind;
  /** before: the request never reaches the service (default); after: it was applied, the caller sees an error */
  when?: "before" | "after";
  /** how many matching attempts fail (default 1; Infinity for all) */
  times?: number;
  /** only attempts whose command input matches */
  match?: (input: Record<string, unknown>) => boolean;
}

export interface FaultInjector {
  /** faults injected so far */
  readonly injected: { operation: string; kind: FaultKind; when: "before" | "after" }[];
  remove(): void;
}

/**
 * Fail matching attempts with an SDK-shaped error. Rules are consumed in order; each fails `times` attempts.
 *
 * @example
 * injectFaults(aws.dynamodb, [{ operation: "TransactWriteItems", kind: "transactionConflict" }]);
 */
export function injectFaults(client: MiddlewareClient, rules: FaultRule[]): FaultInjector {
  const remaining = rules.map((r) => r.times ?? 1);
  const injected: FaultInjector["injected"] = [];
  const middleware: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationName(context);
    const input = args.input as Record<string, unknown>;
    const index = rules.findIndex(
      (r, i) => remaining[i]! > 0 && r.operation === operation && (r.match?.(input) ?? true),
    );
    if (index < 0) return next(args);
    const rule = rules[index]!;
    remaining[index]! -= 1;
    const when = rule.when ?? "before";
    injected.push({ operation, kind: rule.kind, when });
    if (when === "before") throw faultError(rule.kind, operation, input);
    const result = await next(args);
    // Nobody will read a streamed body (GetObject): release the socket.
    (result.output as { Body?: { destroy?: () => void } }).Body?.destroy?.();
    throw faultError(rule.kind, operation, input);
  };
  const name = install(client, middleware);
  return { injected, remove: () => void client.middlewareStack.remove(name) };
}

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: "injected-fault", attempts: 1 });

/** The error the SDK would throw for this fault. */
export function faultError(kind: FaultKind, operation: string, input: Record<string, unknown> = {}): Error {
  switch (kind) {
    case "throughputExceeded":
      return new ProvisionedThroughputExceededException({
        message: "The level of configured provisioned throughput for the table was exceeded.",
        $metadata: meta(400),
      });
    case "throttling":
      return new ThrottlingException({
        message: "Rate of requests exceeds the allowed throughput.",
        $metadata: meta(400),
      });
    case "transactionConflict": {
      if (operation !== "TransactWriteItems") {
        return new TransactionConflictException({
          message: "Transaction is ongoing for the item",
          $metadata: meta(400),
        });
      }
      // As DynamoDB reports it: one reason per item, the conflicting one first here, the rest "None".
      const count = Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
      const reasons = Array.from({ length: count }, (_, i) =>
        i === 0 ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" } : { Code: "None" },
      );
      return new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        $metadata: meta(400),
        CancellationReasons: reasons,
      });
    }
    case "internalError":
      return new InternalServerError({ message: "Internal server error", $metadata: meta(500) });
    case "slowDown":
      return new S3ServiceException({
        name: "SlowDown",
        $fault: "server",
        message: "Please reduce your request rate.",
        $metadata: meta(503),
      });
    case "accessDenied":
      return new S3ServiceException({
        name: "AccessDenied",
        $fault: "client",
        message: "Access Denied",
        $metadata: meta(403),
      });
    case "validation": {
      const e = new Error("One or more parameter values were invalid");
      return Object.assign(e, { name: "ValidationException", $fault: "client", $metadata: meta(400) });
    }
    case "timeout":
      // @smithy/node-http-handler: no $metadata, name TimeoutError.
      return Object.assign(new Error("Connection timed out after 1000 ms"), { name: "TimeoutError" });
  }
}
