/**
 * The StrataLogService prop `subscriptions` (docs/SUBSCRIPTIONS.md): push delivery on AWS. When set, the ledger
 * table gets a KEYS_ONLY stream and one more function (functions/subscriptions.ts) that
 *
 * - is triggered by the stream through an event source mapping whose filter passes partition-head changes only
 *   (HEAD_CHANGE_FILTER), so an idle topic invokes nothing;
 * - runs a sweep on a schedule (default every 5 minutes), the safety net for a lost wake-up;
 * - backs one custom resource per declared subscription (Custom::StrataSubscription), so `cdk deploy` declares,
 *   changes and removes them through the same validation as PUT /v1/subscriptions.
 *
 * It may invoke exactly the Lambda targets named here (declared ones and `targetFunctions`), nothing else.
 */
import { CustomResource, Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { HEAD_CHANGE_FILTER } from "../lib/subscriptions/stream-event.js";
import type { SubscriptionSpec, WebhookTarget } from "../lib/subscriptions/types.js";

/** A subscription declared in the app: the HTTP declaration, with the Lambda target as a function. */
export interface SubscriptionDeclaration extends Omit<SubscriptionSpec, "target"> {
  /** the subscription's name (as in PUT /v1/subscriptions/{name}) */
  name: string;
  target: WebhookTarget | { type: "lambda"; function: lambda.IFunction };
}

export interface StrataSubscriptionsProps {
  /** subscriptions created, updated and deleted with the stack */
  declared?: SubscriptionDeclaration[];
  /** further functions that subscriptions declared over HTTP may target (the delivery function may invoke them) */
  targetFunctions?: lambda.IFunction[];
  /** how often the safety-net sweep runs (default: every 5 minutes) */
  sweepRate?: Duration;
  /** the delivery function's memory in MB (default 1024) */
  memorySize?: number;
  /** stream records per invocation (default 100) */
  streamBatchSize?: number;
}

/** What the construct lends: its function factory (same role, logs, bundling and environment rules). */
export interface SubscriptionHost {
  scope: Construct;
  createFunction(id: string, options: { memorySize: number; timeout: Duration }): lambda.Function;
  table: import("aws-cdk-lib/aws-dynamodb").ITable;
  /** where failed stream batches and undeliverable scheduled events go (the construct's dead-letter queue) */
  deadLetterQueue: sqs.IQueue;
}

/** The delivery function and its wiring; the caller grants it storage access like the others. */
export function addSubscriptionDelivery(host: SubscriptionHost, props: StrataSubscriptionsProps): lambda.Function {
  const fn = host.createFunction("Subscriptions", {
    memorySize: props.memorySize ?? 1024,
    timeout: Duration.minutes(5),
  });
  fn.addEventSource(
    new DynamoEventSource(host.table, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: props.streamBatchSize ?? 100,
      // A failed batch (a partition not caught up) is retried twice; the sweep catches the rest.
      retryAttempts: 2,
      onFailure: new SqsDlq(host.deadLetterQueue),
      filters: [{ pattern: JSON.stringify(HEAD_CHANGE_FILTER) }],
    }),
  );
  new events.Rule(host.scope, "SubscriptionSweep", {
    description: "Strata subscriptions: deliver what a lost wake-up left behind",
    schedule: events.Schedule.rate(props.sweepRate ?? Duration.minutes(5)),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, deadLetterQueue: host.deadLetterQueue })],
  });
  const functions = [
    ...(props.targetFunctions ?? []),
    ...(props.declared ?? []).flatMap((d) => (d.target.type === "lambda" ? [d.target.function] : [])),
  ];
  if (functions.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        // As given: an alias or version is named by its own (qualified) ARN.
        resources: functions.map((f) => f.functionArn),
      }),
    );
  }
  for (const d of props.declared ?? []) {
    const { name, target, ...rest } = d;
    const spec: SubscriptionSpec = {
      ...rest,
      target: target.type === "lambda" ? { type: "lambda", functionArn: target.function.functionArn } : target,
    };
    const resource = new CustomResource(host.scope, `Subscription-${name}`, {
      serviceToken: fn.functionArn,
      resourceType: "Custom::StrataSubscription",
      properties: { Name: name, Subscription: JSON.stringify(spec) },
    });
    // The function's permissions first: the custom resource's request runs under them.
    resource.node.addDependency(fn);
  }
  return fn;
}
