/**
 * The stack's CloudFormation, property by property, for the default (dev) stage and each option; and the cdk-nag
 * AwsSolutions + Serverless packs: zero unacknowledged findings on every variant, and findings on a stack that
 * breaks the rules, so the check is known to be able to fail. No bundling here (see bundle.test.ts for that).
 */
import { App, Duration, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import { describe, expect, it } from "vitest";
import { authFromContext, buildApp } from "../../cdk/config.js";
import { nagFindings } from "../../cdk/nag.js";
import { LEDGER_ACTIONS, STRATA_METRICS } from "../../cdk/strata-log-service.js";
import { StrataError } from "../../lib/errors.js";
import { MISSING_ENTRIES, quickStack } from "./support.js";

const dev = Template.fromStack(quickStack().stack);
const prod = Template.fromStack(quickStack({ stage: "prod" }).stack);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the inline policy of the role whose logical id starts with `role`. */
function statements(template: Template, role: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const found = Object.entries(policies).filter(([id]) => id.startsWith(`Strata${role}RoleDefaultPolicy`));
  expect(found, `one policy for ${role}`).toHaveLength(1);
  return found[0]![1].Properties.PolicyDocument.Statement as Statement[];
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const allActions = (template: Template, role: string) => statements(template, role).flatMap(actionsOf).sort();
const bucketRef = { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataBucket"), "Arn"] };
const objectArn = (prefix: string) => ({ "Fn::Join": ["", [bucketRef, `/${prefix}*`]] });

describe("S3 bucket", () => {
  it("blocks public access, enforces TLS and encrypts with S3-managed keys by default", () => {
    dev.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
    dev.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("aborts incomplete multipart uploads after a day", () => {
    dev.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: "Enabled" }),
        ]),
      },
    });
  });

  it("dev: no versioning, destroyed with the stack; prod: deleted objects kept for the PITR window, retained", () => {
    const devBucket = Object.values(dev.findResources("AWS::S3::Bucket"))[0]!;
    expect(devBucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(devBucket.DeletionPolicy).toBe("Delete");
    prod.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: "Enabled" },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 36 }, ExpiredObjectDeleteMarker: true }),
          ]),
        },
      }),
    });
    const shortPitr = Template.fromStack(quickStack({ stage: "prod", pitrDays: 7 }).stack);
    shortPitr.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 8 } })]),
      },
    });
    shortPitr.hasResourceProperties("AWS::DynamoDB::Table", {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
    });
  });

  it("encrypts with the given KMS key, and writes server access logs when asked", () => {
    const t = Template.fromStack(
      quickStack((stack) => ({
        bucketKey: new kms.Key(stack, "Key", { enableKeyRotation: true }),
        accessLogs: { bucket: s3.Bucket.fromBucketName(stack, "Logs", "my-logs"), prefix: "strata/" },
      })).stack,
    );
    t.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: { "Fn::GetAtt": [Match.stringLikeRegexp("^Key"), "Arn"] },
            },
          },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: "my-logs", LogFilePrefix: "strata/" },
    });
    // The functions that touch objects may use the key, and nothing else may.
    for (const role of ["Api", "MaintenanceWorker"]) expect(allActions(t, role)).toContain("kms:GenerateDataKey");
    expect(allActions(t, "Maintenance").filter((a) => a.startsWith("kms:"))).toEqual([]);
  });
});

describe("DynamoDB ledger table", () => {
  it("has the ledger's key schema, on-demand billing, PITR, TTL on ttl and AWS-owned encryption", () => {
    dev.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
    });
    const table = Object.values(dev.findResources("AWS::DynamoDB::Table"))[0]!;
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: false }); // false means the AWS-owned key
    expect(table.Properties.ProvisionedThroughput).toBeUndefined();
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(table.DeletionPolicy).toBe("Delete");
  });

  it("is deletion-protected and retained outside dev", () => {
    prod.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it("uses a customer-managed key when given one, and the functions may use it", () => {
    const t = Template.fromStack(quickStack((stack) => ({ tableKey: new kms.Key(stack, "TableKey") })).stack);
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: "KMS",
        KMSMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("^TableKey"), "Arn"] },
      },
    });
    for (const role of ["Api", "Maintenance", "MaintenanceWorker"]) {
      expect(allActions(t, role)).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:Encrypt"]));
    }
  });
});

describe("Lambda functions", () => {
  const functions = dev.findResources("AWS::Lambda::Function");

  it("run nodejs22.x on ARM64 with JSON logs, tracing, explicit memory and timeouts", () => {
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "WARN" },
        TracingConfig: { Mode: "Active" },
      });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    dev.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 1024, Timeout: 29 }); // api: inside the 30 s
    dev.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 512, Timeout: 120 });
    dev.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 1024, Timeout: 300 });
  });

  it("read their configuration from the environment: bucket, table, the worker's name", () => {
    const env = {
      STRATA_BUCKET: { Ref: Match.stringLikeRegexp("^StrataBucket") },
      STRATA_TABLE: { Ref: Match.stringLikeRegexp("^StrataLedger") },
    };
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        STRATA_METRICS_NAMESPACE: "Strata",
        STRATA_STAGE: "dev",
        NODE_OPTIONS: "--enable-source-maps",
      });
    }
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", { Environment: { Variables: Match.objectLike(env) } }, 3);
    dev.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          STRATA_MAINTENANCE_WORKER: { Ref: Match.stringLikeRegexp("^StrataMaintenanceWorker") },
        }),
      },
    });
  });

  it("each write to their own log group, kept a month", () => {
    dev.resourceCountIs("AWS::Logs::LogGroup", 4); // three functions and the API access log
    dev.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
    }
  });

  it("retry asynchronous maintenance invocations twice, then send them to the dead-letter queue", () => {
    dev.resourcePropertiesCountIs(
      "AWS::Lambda::Function",
      {
        DeadLetterConfig: {
          TargetArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataMaintenanceDeadLetters"), "Arn"] },
        },
      },
      2,
    );
    dev.resourcePropertiesCountIs(
      "AWS::Lambda::EventInvokeConfig",
      { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      2,
    );
    dev.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  it("take reserved concurrency and memory sizes from props", () => {
    const t = Template.fromStack(
      quickStack({ reservedConcurrency: { api: 50, worker: 5 }, memorySize: { api: 2048 } }).stack,
    );
    t.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 2048, ReservedConcurrentExecutions: 50 });
    t.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 1024, ReservedConcurrentExecutions: 5 });
    t.resourcePropertiesCountIs("AWS::Lambda::Function", { ReservedConcurrentExecutions: Match.anyValue() }, 2);
  });
});

describe("IAM: least privilege", () => {
  it("uses no managed policies and no service-wide or wildcard actions", () => {
    for (const role of Object.values(dev.findResources("AWS::IAM::Role"))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const role of ["Api", "Maintenance", "MaintenanceWorker"]) {
      for (const action of allActions(dev, role)) expect(action).not.toMatch(/\*/);
    }
  });

  it("api: the ledger's item actions on this table, PutObject on incoming/, GetObject on both prefixes", () => {
    const s = statements(dev, "Api");
    expect(s).toContainEqual(
      expect.objectContaining({
        Action: LEDGER_ACTIONS,
        Resource: { "Fn::GetAtt": [expect.stringMatching(/^StrataLedger/), "Arn"] },
      }),
    );
    expect(JSON.stringify(s)).not.toMatch(/DeleteObject|ListBucket|InvokeFunction/);
    dev.hasResourceProperties("AWS::IAM::Policy", {
      PolicyName: Match.stringLikeRegexp("^StrataApiRoleDefaultPolicy"),
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: "s3:PutObject", Effect: "Allow", Resource: objectArn("incoming/") },
          { Action: "s3:GetObject", Effect: "Allow", Resource: [objectArn("incoming/"), objectArn("segments/")] },
        ]),
      },
    });
    expect(allActions(dev, "Api")).toEqual(
      [
        ...LEDGER_ACTIONS,
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:PutObject",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
  });

  it("worker: object read/write/delete on the two prefixes, and listing restricted to them", () => {
    dev.hasResourceProperties("AWS::IAM::Policy", {
      PolicyName: Match.stringLikeRegexp("^StrataMaintenanceWorkerRoleDefaultPolicy"),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Effect: "Allow",
            Resource: [objectArn("incoming/"), objectArn("segments/")],
          },
          {
            Action: "s3:ListBucket",
            Effect: "Allow",
            Resource: bucketRef,
            Condition: { StringLike: { "s3:prefix": ["incoming/*", "segments/*"] } },
          },
        ]),
      },
    });
  });

  it("scheduled run: the ledger, and invoking the worker function only; no S3", () => {
    expect(allActions(dev, "Maintenance")).toEqual(
      [
        ...LEDGER_ACTIONS,
        "lambda:InvokeFunction",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    expect(statements(dev, "Maintenance")).toContainEqual({
      Action: "lambda:InvokeFunction",
      Effect: "Allow",
      Resource: { "Fn::GetAtt": [expect.stringMatching(/^StrataMaintenanceWorker/), "Arn"] },
    });
  });

  it("only X-Ray, which has no resource-level permissions, gets Resource *", () => {
    for (const role of ["Api", "Maintenance", "MaintenanceWorker"]) {
      const star = statements(dev, role).filter((s) => s.Resource === "*");
      expect(star.flatMap(actionsOf).sort()).toEqual(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
    }
  });
});

describe("HTTP API", () => {
  it("routes every request ($default) to the api function with payload 2.0, behind IAM auth by default", () => {
    dev.resourceCountIs("AWS::ApiGatewayV2::Route", 1);
    dev.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "$default", AuthorizationType: "AWS_IAM" });
    dev.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
    });
    dev.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
  });

  it("has CORS off", () => {
    const api = Object.values(dev.findResources("AWS::ApiGatewayV2::Api"))[0]!;
    expect(api.Properties.ProtocolType).toBe("HTTP");
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });

  it("throttles and writes JSON access logs on its $default stage", () => {
    const stage = Object.values(dev.findResources("AWS::ApiGatewayV2::Stage"))[0]!;
    expect(stage.Properties).toMatchObject({
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: { DestinationArn: { "Fn::GetAtt": [expect.stringMatching(/^StrataApiAccessLogs/), "Arn"] } },
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: "$context.requestId", status: "$context.status" });
  });

  it("takes a JWT authorizer (issuer, audience) as an option", () => {
    const t = Template.fromStack(
      quickStack({ auth: { type: "jwt", issuer: "https://issuer.example", audience: ["strata"] } }).stack,
    );
    t.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: "https://issuer.example", Audience: ["strata"] },
    });
    t.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "$default", AuthorizationType: "JWT" });
  });

  it("takes its throttling from props", () => {
    const t = Template.fromStack(quickStack({ throttle: { rateLimit: 50, burstLimit: 20 } }).stack);
    t.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
    });
  });
});

describe("maintenance schedule", () => {
  it("runs the scheduled function every 5 minutes, with retries and the dead-letter queue", () => {
    dev.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataMaintenance[0-9A-F]"), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^StrataMaintenanceDeadLetters"), "Arn"] } },
        }),
      ],
    });
  });

  it("takes its rate from props", () => {
    const t = Template.fromStack(quickStack({ maintenanceRate: Duration.minutes(1) }).stack);
    t.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(1 minute)" });
  });
});

describe("alarms, dashboard, outputs", () => {
  const alarms = Object.values(dev.findResources("AWS::CloudWatch::Alarm")).map((a) => a.Properties);

  it("alarm on function errors and throttles", () => {
    for (const metric of ["Errors", "Throttles"]) {
      const found = alarms.filter((a) => a.Namespace === "AWS/Lambda" && a.MetricName === metric);
      expect(found, metric).toHaveLength(3);
      for (const a of found) expect(a).toMatchObject({ Threshold: 1, Statistic: "Sum", Period: 300 });
    }
  });

  it("alarm on maintenance failures, DynamoDB throttling and consumer lag", () => {
    const byExpression = (e: string) =>
      alarms.find((a) => a.Metrics?.some((m: { Expression?: string }) => m.Expression === e));
    const failures = byExpression("dlq + failures")!;
    expect(JSON.stringify(failures.Metrics)).toContain("ApproximateNumberOfMessagesVisible");
    expect(JSON.stringify(failures.Metrics)).toContain(STRATA_METRICS.maintenanceFailures);
    const throttles = byExpression("reads + writes")!;
    expect(JSON.stringify(throttles.Metrics)).toMatch(/ReadThrottleEvents.*WriteThrottleEvents/);
    expect(JSON.stringify(throttles.Metrics)).toContain("AWS/DynamoDB");
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "Strata",
        MetricName: "ConsumerLag",
        Statistic: "Maximum",
        Threshold: 100000,
      }),
    );
  });

  it("notify the alarm topic when one is given", () => {
    const t = Template.fromStack(
      quickStack((stack) => ({
        alarmTopic: sns.Topic.fromTopicArn(stack, "T", "arn:aws:sns:us-east-1:123456789012:ops"),
        consumerLagThreshold: 5,
      })).stack,
    );
    const props = Object.values(t.findResources("AWS::CloudWatch::Alarm")).map((a) => a.Properties);
    expect(props).toHaveLength(9);
    for (const a of props) expect(a.AlarmActions).toEqual(["arn:aws:sns:us-east-1:123456789012:ops"]);
    expect(props).toContainEqual(expect.objectContaining({ MetricName: "ConsumerLag", Threshold: 5 }));
  });

  it("have a dashboard with the service's metrics", () => {
    const dashboard = Object.values(dev.findResources("AWS::CloudWatch::Dashboard"))[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of Object.values(STRATA_METRICS)) expect(body).toContain(name);
    for (const ns of ["AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB", "AWS/SQS"]) expect(body).toContain(ns);
  });

  it("output the API URL, bucket name and table name", () => {
    dev.hasOutput("ApiUrl", {
      Value: {
        "Fn::Join": [
          "",
          [
            "https://",
            { Ref: Match.stringLikeRegexp("^StrataHttpApi") },
            ".execute-api.",
            { Ref: "AWS::Region" },
            ".",
            { Ref: "AWS::URLSuffix" },
          ],
        ],
      },
    });
    dev.hasOutput("BucketName", { Value: { Ref: Match.stringLikeRegexp("^StrataBucket") } });
    dev.hasOutput("TableName", { Value: { Ref: Match.stringLikeRegexp("^StrataLedger") } });
  });

  it("use fixed physical names only with a name prefix", () => {
    const t = Template.fromStack(quickStack({ namePrefix: "acme", stage: "prod" }).stack);
    t.hasResourceProperties("AWS::S3::Bucket", { BucketName: "acme-prod-data" });
    t.hasResourceProperties("AWS::DynamoDB::Table", { TableName: "acme-prod-ledger" });
    t.hasResourceProperties("AWS::Lambda::Function", { FunctionName: "acme-prod-maintenanceworker" });
    expect(Object.values(dev.findResources("AWS::S3::Bucket"))[0]!.Properties.BucketName).toBeUndefined();
  });
});

describe("props validation", () => {
  it("refuses a bad PITR window, a JWT without audience, a bad stage name", () => {
    expect(() => quickStack({ pitrDays: 36 })).toThrow(StrataError);
    expect(() => quickStack({ auth: { type: "jwt", issuer: "https://i", audience: [] } })).toThrow(/audience/);
    expect(() => quickStack({ stage: "Prod_1" })).toThrow(/stage/);
  });

  it("reads auth from context", () => {
    const ctx = (values: Record<string, string>) => (k: string) => values[k];
    expect(authFromContext(ctx({}))).toEqual({ type: "iam" });
    expect(authFromContext(ctx({ auth: "jwt", jwtIssuer: "https://i", jwtAudience: "a, b" }))).toEqual({
      type: "jwt",
      issuer: "https://i",
      audience: ["a", "b"],
    });
    expect(() => authFromContext(ctx({ auth: "none" }))).toThrow(StrataError);
  });
});

describe("cdk-nag: AwsSolutions and Serverless packs", () => {
  const variants: Record<string, () => Stack> = {
    dev: () => quickStack().stack,
    prod: () => quickStack({ stage: "prod" }).stack,
    "kms, jwt, access logs, alarm topic, reserved concurrency": () =>
      quickStack((stack) => {
        const key = new kms.Key(stack, "Key", { enableKeyRotation: true });
        return {
          stage: "prod",
          bucketKey: key,
          tableKey: key,
          auth: { type: "jwt", issuer: "https://issuer.example", audience: ["strata"] },
          accessLogs: { bucket: s3.Bucket.fromBucketName(stack, "Logs", "my-logs") },
          alarmTopic: sns.Topic.fromTopicArn(stack, "T", "arn:aws:sns:us-east-1:123456789012:ops"),
          reservedConcurrency: { api: 10, maintenance: 1, worker: 5 },
        };
      }).stack,
  };

  for (const [name, build] of Object.entries(variants)) {
    it(`finds nothing unacknowledged: ${name}`, () => {
      expect(nagFindings(build())).toEqual([]);
    });
  }

  it("fails a stack that breaks the rules (the check can fail)", () => {
    const { stack } = quickStack();
    // What a careless change would add: a wildcard grant, a public-ish bucket without TLS or logs.
    stack.service.apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ["s3:*"], resources: ["*"] }));
    new s3.Bucket(stack, "Careless");
    const rules = nagFindings(stack).map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(["AwsSolutions-IAM5[Action::s3:*]", "AwsSolutions-S1", "AwsSolutions-S10"]),
    );
  });

  it("a newer runtime is not acknowledged as pinned (the L1 acknowledgement is only for nodejs22.x)", () => {
    const { stack } = quickStack({ runtime: lambda.Runtime.NODEJS_20_X });
    expect(nagFindings(stack).map((f) => f.rule)).toContain("AwsSolutions-L1");
  });

  it.skipIf(MISSING_ENTRIES.length > 0)("the app from cdk/app.ts validates with the packs as plugins", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [], stage: "prod", kms: "true" } });
    const stack = buildApp(app);
    expect(nagFindings(app)).toEqual([]);
    expect(stack.stackName).toBe("Strata-prod");
  });
});
