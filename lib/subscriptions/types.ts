/**
 * The subscription domain's public shapes (docs/SUBSCRIPTIONS.md): what a user declares (SubscriptionSpec), what
 * is stored and answered (Subscription), and the batch a target receives (DeliveryEvent, modelled on the Lambda
 * Kafka event source mapping's event) with the answer it may give (a partial-batch answer).
 */

export interface WebhookTarget {
  type: "webhook";
  /** https:// (http:// only where private targets are allowed: development) */
  url: string;
  /** the HMAC-SHA256 key of the strata-signature header; generated (and answered once) when not given */
  secret?: string;
  /** a POST that has not answered after this long failed; default 10 s */
  timeoutMs?: number;
}

export interface LambdaTarget {
  type: "lambda";
  /** the function's ARN (a qualified ARN or alias ARN is fine) */
  functionArn: string;
}

export type Target = WebhookTarget | LambdaTarget;

export type StartFrom = "earliest" | "latest";

/** What a user declares (PUT /v1/subscriptions/{name}, the SDK, the CLI, the CDK construct's prop). */
export interface SubscriptionSpec {
  /** one or more topics; each partition is delivered in order on its own */
  topics: string[];
  /** the consumer group whose offsets record progress: the subscription's own (no live members may join it) */
  group: string;
  target: Target;
  /** most records per call of the target; default 100 */
  batchSize?: number;
  /** wait up to this long to fill a batch once a record is there; default 0 (deliver what there is) */
  batchWindowMs?: number;
  /** retries of a failing record before it is dead-lettered; -1 (default) retries until it succeeds or ages out */
  maxRetries?: number;
  /** records older than this are dead-lettered instead of delivered; -1 (default): no limit */
  maxRecordAgeMs?: number;
  /** split a failing batch in two and retry each half (Lambda's BisectBatchOnFunctionError); default false */
  bisectOnError?: boolean;
  /** failed records go to this topic with the error and their origin; without it they are dropped (logged) */
  deadLetterTopic?: string;
  /** where a partition with no committed offset starts when the subscription is created; default latest */
  startFrom?: StartFrom;
}

/** A stored subscription: every default filled in. */
export interface Subscription {
  name: string;
  topics: string[];
  group: string;
  target: Required<WebhookTarget> | LambdaTarget;
  batchSize: number;
  batchWindowMs: number;
  maxRetries: number;
  maxRecordAgeMs: number;
  bisectOnError: boolean;
  deadLetterTopic: string | null;
  startFrom: StartFrom;
  createdAt: number;
  updatedAt: number;
  /** bumped by every change: local delivery restarts the subscription's partitions when it moves */
  version: number;
}

/** One record as a target receives it (Lambda's Kafka event record; key and value base64, headers as bytes). */
export interface EventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: "CREATE_TIME";
  key: string | null;
  value: string | null;
  /** as in Lambda's Kafka event: one object per header, its name mapping to the value's bytes */
  headers: Record<string, number[] | null>[];
}

/** The body of a webhook POST and the payload of a Lambda invocation. */
export interface DeliveryEvent {
  eventSource: "strata";
  subscription: string;
  group: string;
  /** "<topic>-<partition>" -> records in offset order (one partition per event) */
  records: Record<string, EventRecord[]>;
}

/**
 * A partial-batch answer (a webhook's 2xx JSON body or a function's return value): the records that failed, named
 * by offset. Records before the lowest one named are done; delivery continues from it, as Lambda does.
 */
export interface BatchAnswer {
  batchItemFailures?: { itemIdentifier: string | number }[];
}
