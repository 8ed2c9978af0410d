/**
 * The `subscriptions` prop in the template: without it nothing of it exists (no stream, no function); with it the
 * ledger has a KEYS_ONLY stream, an event source mapping whose filter passes partition heads only, a sweep on a
 * schedule, invoke permission on exactly the target functions, one custom resource per declared subscription, and
 * cdk-nag finds nothing unacknowledged.
 */
import { App, Duration } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../cdk/config.js";
import { nagFindings } from "../../cdk/nag.js";
import { HEAD_CHANGE_FILTER } from "../../lib/subscriptions/stream-event.js";
import { quickStack } from "./support.js";

const TARGET = "arn:aws:lambda:us-east-1:123456789012:function:billing";
const OTHER = "arn:aws:lambda:us-east-1:123456789012:function:audit";

const built = quickStack((stack) => ({
  subscriptions: {
    sweepRate: Duration.minutes(10),
    targetFunctions: [lambda.Function.fromFunctionArn(stack, "Audit", OTHER)],
    declared: [
      {
        name: "billing",
        topics: ["orders"],
        group: "billing",
        target: { type: "lambda", function: lambda.Function.fromFunctionArn(stack, "Billing", TARGET) },
        batchSize: 50,
        bisectOnError: true,
      },
      { name: "hook", topics: ["orders"], group: "hook", target: { type: "webhook", url: "https://hooks.example/x" } },
    ],
  },
}));
const template = Template.fromStack(built.stack);
const plain = Template.fromStack(quickStack().stack);

describe("the subscriptions prop", () => {
  it("is absent by default: no stream on the ledger, no delivery function", () => {
    const table = Object.values(plain.findResources("AWS::DynamoDB::Table"))[0]!;
    expect(table.Properties.StreamSpecification).toBeUndefined();
    plain.resourceCountIs("AWS::Lambda::EventSourceMapping", 0);
    plain.resourceCountIs("Custom::StrataSubscription", 0);
  });

  it("streams the ledger's keys and triggers the delivery function on partition-head changes only", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", { StreamSpecification: { StreamViewType: "KEYS_ONLY" } });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataLedger"), "StreamArn"] },
      FunctionName: { Ref: Match.stringLikeRegexp("^StrataSubscriptions") },
      StartingPosition: "LATEST",
      MaximumRetryAttempts: 2,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(HEAD_CHANGE_FILTER) }] },
    });
  });

  it("sweeps on the given schedule", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(10 minutes)",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataSubscriptions"), "Arn"] } })],
    });
  });

  it("may invoke exactly the target functions, and works the ledger and the bucket as a produce and fetch do", () => {
    const policies = template.findResources("AWS::IAM::Policy");
    const [, policy] = Object.entries(policies).find(([id]) => id.startsWith("StrataSubscriptionsRoleDefaultPolicy"))!;
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const invoke = statements.filter((s) => [s.Action].flat().includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Resource).toEqual([OTHER, TARGET]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "s3:GetObject", "s3:PutObject"]),
    );
    expect(actions).toEqual(expect.arrayContaining(["dynamodb:GetRecords", "dynamodb:GetShardIterator"]));
    expect(actions).not.toContain("s3:DeleteObject");
  });

  it("declares each subscription as a custom resource the delivery function answers", () => {
    const resources = Object.values(template.findResources("Custom::StrataSubscription"));
    expect(resources).toHaveLength(2);
    const billing = resources.find((r) => r.Properties.Name === "billing")!;
    expect(billing.Properties.ServiceToken["Fn::GetAtt"][0]).toMatch(/^StrataSubscriptions/);
    expect(JSON.parse(billing.Properties.Subscription)).toEqual({
      topics: ["orders"],
      group: "billing",
      target: { type: "lambda", functionArn: TARGET },
      batchSize: 50,
      bisectOnError: true,
    });
  });

  it("is deployed by the app with -c subscriptions=true, targets from -c subscriptionTargets", () => {
    const app = new App({
      context: { "aws:cdk:bundling-stacks": [], subscriptions: "true", subscriptionTargets: `${TARGET},${OTHER}` },
    });
    const t = Template.fromStack(buildApp(app));
    t.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    const policy = Object.entries(t.findResources("AWS::IAM::Policy")).find(([id]) =>
      id.startsWith("StrataSubscriptionsRoleDefaultPolicy"),
    )![1];
    const invoke = (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]).find(
      (s) => s.Action === "lambda:InvokeFunction",
    );
    expect(invoke?.Resource).toEqual([TARGET, OTHER]);
  });

  it("leaves cdk-nag nothing unacknowledged", () => {
    expect(nagFindings(built.stack)).toEqual([]);
  });
});
