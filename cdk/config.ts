/**
 * How the app (cdk/app.ts) turns CDK context into a stack: one StrataStack named Strata-<stage>.
 *
 *   npx cdk deploy -c stage=prod -c auth=jwt -c jwtIssuer=https://issuer.example -c jwtAudience=strata
 *
 * Context keys: stage (default dev), auth (iam | jwt), jwtIssuer, jwtAudience (comma-separated),
 * alarmTopicArn, kms (true: one customer-managed key, rotated, for the bucket and the table),
 * accessLogsBucket (name of an existing bucket), maintenanceRateMinutes, namePrefix, consumerLagThreshold,
 * subscriptions (true: push delivery, docs/SUBSCRIPTIONS.md), subscriptionTargets (comma-separated function ARNs
 * that subscriptions may invoke).
 */
import { type App, Duration, type Stack } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import { InvalidArgumentError } from "../lib/errors.js";
import { applyNagChecks } from "./nag.js";
import { StrataStack } from "./stack.js";
import type { StrataAuth, StrataLogServiceProps } from "./strata-log-service.js";

type Context = (key: string) => unknown;

/** The construct's props from CDK context (strings from -c, or values from cdk.json). */
export function authFromContext(context: Context): StrataAuth {
  const type = String(context("auth") ?? "iam");
  if (type === "iam") return { type: "iam" };
  if (type !== "jwt") throw new InvalidArgumentError("auth", `context auth must be iam or jwt, got "${type}"`);
  const issuer = String(context("jwtIssuer") ?? "");
  const audience = String(context("jwtAudience") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  return { type: "jwt", issuer, audience };
}

/**
 * Builds the app: the stack and the cdk-nag checks. Tests call it with their own App (and context).
 *
 * @example
 * const stack = buildApp(new App({ context: { stage: "prod" } }));
 */
export function buildApp(app: App): StrataStack {
  const context: Context = (key) => app.node.tryGetContext(key);
  const stage = String(context("stage") ?? "dev");
  const stack = new StrataStack(app, `Strata-${stage}`, {
    description: `Strata, a serverless Kafka-style log (${stage})`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    service: (scope) => serviceProps(scope, stage, context),
  });
  applyNagChecks(app);
  return stack;
}

/** The optional parts that need the stack (keys, imported topic/bucket) as props. */
export function serviceProps(stack: Stack, stage: string, context: Context): StrataLogServiceProps {
  const props: StrataLogServiceProps = { stage, auth: authFromContext(context) };
  const flag = (key: string) => String(context(key) ?? "false") === "true";
  if (flag("kms")) {
    const key = new kms.Key(stack, "StrataKey", {
      enableKeyRotation: true,
      description: `Strata ${stage}: bucket and ledger encryption`,
    });
    props.bucketKey = key;
    props.tableKey = key;
  }
  const topicArn = context("alarmTopicArn");
  if (topicArn) props.alarmTopic = sns.Topic.fromTopicArn(stack, "AlarmTopic", String(topicArn));
  const logsBucket = context("accessLogsBucket");
  if (logsBucket) props.accessLogs = { bucket: s3.Bucket.fromBucketName(stack, "AccessLogs", String(logsBucket)) };
  const rate = context("maintenanceRateMinutes");
  if (rate !== undefined) props.maintenanceRate = Duration.minutes(Number(rate));
  const prefix = context("namePrefix");
  if (prefix) props.namePrefix = String(prefix);
  const lag = context("consumerLagThreshold");
  if (lag !== undefined) props.consumerLagThreshold = Number(lag);
  if (flag("subscriptions")) {
    const arns = String(context("subscriptionTargets") ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    props.subscriptions = {
      targetFunctions: arns.map((arn, i) => lambda.Function.fromFunctionArn(stack, `SubscriptionTarget${i}`, arn)),
    };
  }
  return props;
}
