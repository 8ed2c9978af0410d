/**
 * StrataLogService: everything Strata needs in one AWS account, as one reusable construct.
 *
 *   HTTP API (IAM or JWT auth) ──> api function ──> S3 bucket (incoming/, segments/) + DynamoDB ledger table
 *   EventBridge schedule ──> maintenance function ──(async Invoke, one partition per event)──> maintenance worker
 *   failed async invocations ──> dead-letter queue;  alarms ──> optional SNS topic;  one dashboard
 *
 * Every permission is an explicit action list on this bucket (by key prefix) and this table only; nothing is
 * service-wide. The cdk-nag findings the design accepts are suppressed here, next to the reason, so that an app
 * embedding the construct inherits the reasons rather than rediscovering them.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpStage, type IHttpRouteAuthorizer, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { InvalidArgumentError } from "../lib/errors.js";
import { addSubscriptionDelivery, type StrataSubscriptionsProps } from "./subscriptions.js";

/** The repository root: the default handler entries are its functions/ files. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The zstd codec's WASM file, which the bundled @bokuweb/zstd-wasm reads from beside the bundle (see bundling). */
const ZSTD_WASM = join(dirname(createRequire(import.meta.url).resolve("@bokuweb/zstd-wasm")), "zstd.wasm");

/** Where the three handlers are; the defaults are this repository's functions/. */
export interface StrataEntries {
  /** the HTTP API (API Gateway HTTP API, payload 2.0) */
  api: string;
  /** the scheduled maintenance run: plans the work and fans it out to the worker */
  maintenance: string;
  /** one unit of maintenance (a partition), invoked asynchronously by the scheduled run */
  worker: string;
  /** subscription delivery, woken by the ledger's stream (only with the `subscriptions` prop) */
  subscriptions: string;
}

export const DEFAULT_ENTRIES: StrataEntries = {
  api: join(REPO_ROOT, "functions", "api.ts"),
  maintenance: join(REPO_ROOT, "functions", "maintenance.ts"),
  worker: join(REPO_ROOT, "functions", "maintenance-worker.ts"),
  subscriptions: join(REPO_ROOT, "functions", "subscriptions.ts"),
};

/** Who may call the API: AWS credentials (SigV4, the default) or a JWT from an OIDC/OAuth2 issuer. */
export type StrataAuth = { type: "iam" } | { type: "jwt"; issuer: string; audience: string[] };

/** Metric names in the custom namespace; lib/metrics emits them in CloudWatch embedded metric format. */
export const STRATA_METRICS = {
  produceBytes: "ProduceBytes",
  produceRecords: "ProduceRecords",
  fetchBytes: "FetchBytes",
  fetchRecords: "FetchRecords",
  commitConflicts: "CommitConflicts",
  /** emitted per group (dimension Group) and without dimensions (the worst group), which the alarm watches */
  consumerLag: "ConsumerLag",
  maintenanceJobs: "MaintenanceJobs",
  maintenanceFailures: "MaintenanceFailures",
} as const;

export interface StrataLogServiceProps {
  /** stage name (dev, staging, prod...): part of names and tags; "dev" relaxes deletion protection */
  stage: string;
  /** true for throwaway stages: no deletion protection, resources destroyed with the stack (default: stage === "dev") */
  dev?: boolean;
  /** physical name prefix; when set, bucket, table and functions get fixed names (default: generated names) */
  namePrefix?: string;
  /** API authorization (default: IAM, i.e. SigV4-signed requests) */
  auth?: StrataAuth;
  /** what happens to the bucket and table when the stack is deleted (default: DESTROY in dev, RETAIN otherwise) */
  removalPolicy?: RemovalPolicy;
  /** retention of the functions' and the API's log groups (default: one month) */
  logRetention?: logs.RetentionDays;
  /** alarms notify this topic (default: alarms only, no action) */
  alarmTopic?: sns.ITopic;
  /** SSE-KMS with this key for the bucket (default: SSE-S3) */
  bucketKey?: kms.IKey;
  /** a customer-managed key for the table (default: AWS-owned key) */
  tableKey?: kms.IKey;
  /** S3 server access logs go to this bucket (default: none) */
  accessLogs?: { bucket: s3.IBucket; prefix?: string };
  /** point-in-time recovery window of the table, 1 to 35 days (default 35) */
  pitrDays?: number;
  /**
   * Keep deleted segment objects as noncurrent versions for the PITR window plus a day, so that a table
   * restored to any point of the window finds the objects it references (default: true outside dev).
   */
  keepDeletedObjects?: boolean;
  /** memory in MB (defaults: api 1024, maintenance 512, worker 1024) */
  memorySize?: { api?: number; maintenance?: number; worker?: number };
  /** reserved concurrency per function (default: none, the account's unreserved pool) */
  reservedConcurrency?: { api?: number; maintenance?: number; worker?: number };
  /** how often maintenance runs (default: every 5 minutes) */
  maintenanceRate?: Duration;
  /** API stage throttling (default: 500 requests/s, bursts of 1000) */
  throttle?: { rateLimit: number; burstLimit: number };
  /** topic configuration defaults (Kafka keys, e.g. "retention.ms"), handed to the functions as STRATA_TOPIC_DEFAULTS */
  topicDefaults?: Record<string, string>;
  /** Lambda runtime (default: nodejs22.x, the version the bundles are tested on) */
  runtime?: lambda.Runtime;
  /** X-Ray active tracing (default: true) */
  tracing?: boolean;
  /** application log level of the JSON logs (default: INFO) */
  logLevel?: lambda.ApplicationLogLevel;
  /** the consumer-lag alarm fires above this many records for any group (default: 100000) */
  consumerLagThreshold?: number;
  /** CloudWatch namespace of the custom metrics (default: "Strata") */
  metricsNamespace?: string;
  /** handler source files (default: this repository's functions/) */
  entries?: Partial<StrataEntries>;
  /** push delivery to webhooks and functions (cdk/subscriptions.ts); default: not deployed */
  subscriptions?: StrataSubscriptionsProps;
}

/** Names of the environment variables the functions read. */
export const ENV = {
  bucket: "STRATA_BUCKET",
  table: "STRATA_TABLE",
  worker: "STRATA_MAINTENANCE_WORKER",
  metricsNamespace: "STRATA_METRICS_NAMESPACE",
  stage: "STRATA_STAGE",
  topicDefaults: "STRATA_TOPIC_DEFAULTS",
} as const;

/** The item actions the ledger uses; TransactWriteItems is authorized per item (ConditionCheckItem included). */
export const LEDGER_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
];

/** The key prefixes Strata writes (lib/log/keys.ts); no other key in the bucket is reachable by the functions. */
export const OBJECT_PREFIXES = ["incoming/", "segments/"];

const HTTP_API_TIMEOUT = Duration.seconds(29); // API Gateway HTTP API cuts integrations at 30 s

/**
 * @example
 * const service = new StrataLogService(stack, "Strata", { stage: "prod", auth: { type: "iam" } });
 * new CfnOutput(stack, "ApiUrl", { value: service.apiUrl });
 */
export class StrataLogService extends Construct {
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly apiFunction: NodejsFunction;
  readonly maintenanceFunction: NodejsFunction;
  readonly workerFunction: NodejsFunction;
  /** subscription delivery (only with the `subscriptions` prop) */
  readonly subscriptionFunction?: lambda.Function;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** failed asynchronous invocations of the maintenance functions (after Lambda's own retries) */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** the API's base URL (no trailing slash) */
  readonly apiUrl: string;

  private readonly props: StrataLogServiceProps;
  private readonly dev: boolean;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: StrataLogServiceProps) {
    super(scope, id);
    this.props = props;
    this.dev = props.dev ?? props.stage === "dev";
    this.namespace = props.metricsNamespace ?? "Strata";
    validate(props);

    this.bucket = this.createBucket();
    this.table = this.createTable();
    this.deadLetterQueue = this.createDeadLetterQueue();

    const entries = { ...DEFAULT_ENTRIES, ...props.entries };
    const memory = props.memorySize ?? {};
    const reserved = props.reservedConcurrency ?? {};
    this.workerFunction = this.createFunction("MaintenanceWorker", {
      entry: entries.worker,
      memorySize: memory.worker ?? 1024,
      timeout: Duration.minutes(5),
      reservedConcurrency: reserved.worker,
      deadLetterQueue: true,
    });
    this.maintenanceFunction = this.createFunction("Maintenance", {
      entry: entries.maintenance,
      memorySize: memory.maintenance ?? 512,
      timeout: Duration.minutes(2),
      reservedConcurrency: reserved.maintenance,
      deadLetterQueue: true,
      environment: { [ENV.worker]: this.workerFunction.functionName },
    });
    this.apiFunction = this.createFunction("Api", {
      entry: entries.api,
      memorySize: memory.api ?? 1024,
      timeout: HTTP_API_TIMEOUT,
      reservedConcurrency: reserved.api,
      deadLetterQueue: false,
    });
    if (props.subscriptions) {
      this.subscriptionFunction = addSubscriptionDelivery(
        {
          scope: this,
          table: this.table,
          deadLetterQueue: this.deadLetterQueue,
          createFunction: (fid, o) =>
            this.createFunction(fid, {
              ...o,
              entry: entries.subscriptions,
              reservedConcurrency: undefined,
              deadLetterQueue: true,
            }),
        },
        props.subscriptions,
      );
    }
    this.grantAccess();

    this.httpApi = this.createHttpApi();
    this.stage = this.createStage();
    this.apiUrl = `https://${this.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.createSchedule();
    this.createAlarms();
    this.dashboard = this.createDashboard();
    this.suppressAcceptedFindings();
  }

  /** Every function of the construct. */
  get functions(): lambda.Function[] {
    return [
      this.apiFunction,
      this.maintenanceFunction,
      this.workerFunction,
      ...(this.subscriptionFunction ? [this.subscriptionFunction] : []),
    ];
  }

  /** A metric of the custom namespace (see STRATA_METRICS), summed over 5 minutes unless told otherwise. */
  metric(name: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName: name, statistic: "Sum", ...options });
  }

  private name(suffix: string): string | undefined {
    return this.props.namePrefix ? `${this.props.namePrefix}-${this.props.stage}-${suffix}` : undefined;
  }

  private get removalPolicy(): RemovalPolicy {
    return this.props.removalPolicy ?? (this.dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
  }

  private get pitrDays(): number {
    return this.props.pitrDays ?? 35;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Storage

  private createBucket(): s3.Bucket {
    const keepDeleted = this.props.keepDeletedObjects ?? !this.dev;
    const lifecycleRules: s3.LifecycleRule[] = [
      // A produce that dies mid-upload leaves parts that cost storage and are never listed: drop them.
      { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    if (keepDeleted) {
      // A table restored to time T references segments that retention or compaction deleted after T; their
      // noncurrent versions stay for the whole PITR window (plus a day), then go. See docs/DEPLOY.md.
      lifecycleRules.push({
        id: "expire-deleted-objects-after-pitr-window",
        noncurrentVersionExpiration: Duration.days(this.pitrDays + 1),
        expiredObjectDeleteMarker: true,
      });
    }
    return new s3.Bucket(this, "Bucket", {
      bucketName: this.name("data"),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: this.props.bucketKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(this.props.bucketKey ? { encryptionKey: this.props.bucketKey, bucketKeyEnabled: true } : {}),
      versioned: keepDeleted,
      lifecycleRules,
      ...(this.props.accessLogs
        ? {
            serverAccessLogsBucket: this.props.accessLogs.bucket,
            serverAccessLogsPrefix: this.props.accessLogs.prefix ?? "strata/",
          }
        : {}),
      removalPolicy: this.removalPolicy,
    });
  }

  private createTable(): dynamodb.Table {
    // The same key schema and TTL attribute as createLedgerTable (lib/storage/dynamodb-ledger.ts).
    return new dynamodb.Table(this, "Ledger", {
      tableName: this.name("ledger"),
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "ttl",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: this.pitrDays },
      deletionProtection: !this.dev,
      encryption: this.props.tableKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
      ...(this.props.tableKey ? { encryptionKey: this.props.tableKey } : {}),
      removalPolicy: this.removalPolicy,
      // Partition-head changes wake subscription delivery; keys are all it reads.
      ...(this.props.subscriptions ? { stream: dynamodb.StreamViewType.KEYS_ONLY } : {}),
    });
  }

  private createDeadLetterQueue(): sqs.Queue {
    return new sqs.Queue(this, "MaintenanceDeadLetters", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Functions

  private createFunction(
    id: string,
    options: {
      entry: string;
      memorySize: number;
      timeout: Duration;
      reservedConcurrency: number | undefined;
      deadLetterQueue: boolean;
      environment?: Record<string, string>;
    },
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role without the AWSLambdaBasicExecutionRole managed policy: it may write to its own log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Strata ${id} function (${this.props.stage})`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [logGroup.logGroupArn],
      }),
    );
    return new NodejsFunction(this, id, {
      functionName: this.name(id.toLowerCase()),
      entry: options.entry,
      handler: "handler",
      runtime: this.props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: this.props.logLevel ?? lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: this.props.tracing === false ? lambda.Tracing.DISABLED : lambda.Tracing.ACTIVE,
      ...(options.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrency }
        : {}),
      ...(options.deadLetterQueue
        ? { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) }
        : {}),
      environment: {
        [ENV.bucket]: this.bucket.bucketName,
        [ENV.table]: this.table.tableName,
        [ENV.metricsNamespace]: this.namespace,
        [ENV.stage]: this.props.stage,
        ...(this.props.topicDefaults ? { [ENV.topicDefaults]: JSON.stringify(this.props.topicDefaults) } : {}),
        NODE_OPTIONS: "--enable-source-maps",
        ...options.environment,
      },
      bundling: {
        // Local esbuild only: a machine without Docker must be able to synthesize and deploy.
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // The runtime ships AWS SDK v3; the rest (hono, zod, snappyjs, our code) is in the bundle.
        externalModules: ["@aws-sdk/*"],
        // @bokuweb/zstd-wasm, bundled, reads zstd.wasm from the bundle's own directory (its __dirname) at start.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [`cp "${ZSTD_WASM}" "${outputDir}/zstd.wasm"`],
        },
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
    });
  }

  private grantAccess(): void {
    const objects = (prefixes: string[]) => prefixes.map((p) => this.bucket.arnForObjects(`${p}*`));
    const allow = (fn: lambda.Function, actions: string[], resources: string[], conditions?: iam.Conditions) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));

    for (const fn of this.functions) {
      allow(fn, LEDGER_ACTIONS, [this.table.tableArn]);
      if (this.props.tableKey) {
        allow(
          fn,
          ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
          [this.props.tableKey.keyArn],
        );
      }
    }
    // The API writes new batches under incoming/ and reads both prefixes; it never deletes or lists.
    allow(this.apiFunction, ["s3:PutObject"], objects(["incoming/"]));
    allow(this.apiFunction, ["s3:GetObject"], objects(OBJECT_PREFIXES));
    // The worker merges (reads, writes segments/), deletes what retention and the orphan sweep release, and lists.
    allow(this.workerFunction, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], objects(OBJECT_PREFIXES));
    allow(this.workerFunction, ["s3:ListBucket"], [this.bucket.bucketArn], {
      StringLike: { "s3:prefix": OBJECT_PREFIXES.map((p) => `${p}*`) },
    });
    // Delivery reads records, and writes dead-letter records as a produce does.
    if (this.subscriptionFunction) {
      allow(this.subscriptionFunction, ["s3:PutObject"], objects(["incoming/"]));
      allow(this.subscriptionFunction, ["s3:GetObject"], objects(OBJECT_PREFIXES));
    }
    if (this.props.bucketKey) {
      for (const fn of [
        this.apiFunction,
        this.workerFunction,
        ...(this.subscriptionFunction ? [this.subscriptionFunction] : []),
      ]) {
        allow(fn, ["kms:Decrypt", "kms:GenerateDataKey"], [this.props.bucketKey.keyArn]);
      }
    }
    // The scheduled run only plans (ledger queries) and fans out to the worker.
    allow(this.maintenanceFunction, ["lambda:InvokeFunction"], [this.workerFunction.functionArn]);
  }

  // ---------------------------------------------------------------------------------------------------------
  // API

  private authorizer(): IHttpRouteAuthorizer {
    const auth = this.props.auth ?? { type: "iam" };
    if (auth.type === "iam") return new HttpIamAuthorizer();
    return new HttpJwtAuthorizer("JwtAuthorizer", auth.issuer, { jwtAudience: auth.audience });
  }

  private createHttpApi(): HttpApi {
    // One $default route: the app does its own routing, and every request must pass the authorizer.
    // No corsPreflight: CORS is off; browsers are not the intended callers of a signed API.
    return new HttpApi(this, "HttpApi", {
      apiName: this.name("api"),
      description: `Strata HTTP API (${this.props.stage})`,
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer(),
      // Payload format 2.0 (the default of an HTTP API), which functions/api.ts expects.
      defaultIntegration: new HttpLambdaIntegration("ApiIntegration", this.apiFunction),
    });
  }

  private createStage(): HttpStage {
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", {
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const throttle = this.props.throttle ?? { rateLimit: 500, burstLimit: 1000 };
    return new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: false,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Maintenance schedule

  private createSchedule(): void {
    new events.Rule(this, "MaintenanceSchedule", {
      description: "Strata maintenance: retention, compaction, segment merging, orphan sweep",
      schedule: events.Schedule.rate(this.props.maintenanceRate ?? Duration.minutes(5)),
      targets: [
        new targets.LambdaFunction(this.maintenanceFunction, {
          // A run that cannot be delivered is not worth retrying for long: the next one plans again.
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Alarms and dashboard

  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.props.alarmTopic) alarm.addAlarmAction(new SnsAction(this.props.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }

  private createAlarms(): void {
    const period = Duration.minutes(5);
    const fns: [string, lambda.Function][] = [
      ["Api", this.apiFunction],
      ["Maintenance", this.maintenanceFunction],
      ["MaintenanceWorker", this.workerFunction],
    ];
    for (const [id, fn] of fns) {
      this.alarm(`${id}Errors`, fn.metricErrors({ period }), 1, `${id} function errors`);
      this.alarm(`${id}Throttles`, fn.metricThrottles({ period }), 1, `${id} function throttled`);
    }
    this.alarm(
      "MaintenanceFailures",
      new cloudwatch.MathExpression({
        expression: "dlq + failures",
        usingMetrics: {
          dlq: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: "Maximum" }),
          failures: this.metric(STRATA_METRICS.maintenanceFailures, { period }),
        },
        period,
      }),
      1,
      "maintenance work failed: events in the dead-letter queue, or jobs that reported a failure",
    );
    this.alarm(
      "LedgerThrottles",
      new cloudwatch.MathExpression({
        expression: "reads + writes",
        usingMetrics: {
          reads: this.table.metric("ReadThrottleEvents", { period, statistic: "Sum" }),
          writes: this.table.metric("WriteThrottleEvents", { period, statistic: "Sum" }),
        },
        period,
      }),
      1,
      "DynamoDB throttled ledger requests (a hot partition key, or the account's on-demand limits)",
    );
    this.alarm(
      "ConsumerLag",
      this.metric(STRATA_METRICS.consumerLag, { period, statistic: "Maximum" }),
      this.props.consumerLagThreshold ?? 100_000,
      "a consumer group is behind by more records than the threshold",
    );
  }

  private createDashboard(): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const fns = [this.apiFunction, this.maintenanceFunction, this.workerFunction];
    const apiMetric = (metricName: string, statistic = "Sum") =>
      new cloudwatch.Metric({
        namespace: "AWS/ApiGateway",
        metricName,
        dimensionsMap: { ApiId: this.httpApi.apiId, Stage: "$default" },
        statistic,
        period,
      });
    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: this.name("dashboard"),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "API requests and errors",
        left: [apiMetric("Count"), apiMetric("4xx"), apiMetric("5xx")],
        right: [apiMetric("Latency", "p99")],
      }),
      new cloudwatch.GraphWidget({
        title: "Produce and fetch (bytes)",
        left: [
          this.metric(STRATA_METRICS.produceBytes, { period }),
          this.metric(STRATA_METRICS.fetchBytes, { period }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Produce and fetch (records)",
        left: [
          this.metric(STRATA_METRICS.produceRecords, { period }),
          this.metric(STRATA_METRICS.fetchRecords, { period }),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Function errors and throttles",
        left: fns.map((fn) => fn.metricErrors({ period })),
        right: fns.map((fn) => fn.metricThrottles({ period })),
      }),
      new cloudwatch.GraphWidget({
        title: "Function duration (p99)",
        left: fns.map((fn) => fn.metricDuration({ period, statistic: "p99" })),
      }),
      new cloudwatch.GraphWidget({
        title: "Consumer lag (worst group) and commit conflicts",
        left: [this.metric(STRATA_METRICS.consumerLag, { period, statistic: "Maximum" })],
        right: [this.metric(STRATA_METRICS.commitConflicts, { period })],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Maintenance",
        left: [
          this.metric(STRATA_METRICS.maintenanceJobs, { period }),
          this.metric(STRATA_METRICS.maintenanceFailures, { period }),
        ],
        right: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period })],
      }),
      new cloudwatch.GraphWidget({
        title: "Ledger (DynamoDB)",
        left: [
          this.table.metricConsumedReadCapacityUnits({ period }),
          this.table.metricConsumedWriteCapacityUnits({ period }),
        ],
        right: [
          this.table.metric("ReadThrottleEvents", { period, statistic: "Sum" }),
          this.table.metric("WriteThrottleEvents", { period, statistic: "Sum" }),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: this.alarms }),
    );
    return dashboard;
  }

  // ---------------------------------------------------------------------------------------------------------
  // cdk-nag: accepted findings, each with its reason

  private suppressAcceptedFindings(): void {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    const fns = this.functions;
    for (const fn of fns) {
      const role = Validations.of(fn.role as iam.Role);
      for (const prefix of OBJECT_PREFIXES) {
        role.acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
          reason:
            "Object keys are created at run time, so object actions are granted on this bucket's " +
            `${prefix}* prefix only, with an explicit action list.`,
        });
      }
      role.acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "Only X-Ray's PutTraceSegments and PutTelemetryRecords, which support no resource-level permissions; " +
          "CDK adds them with Resource * when active tracing is on.",
      });
    }
    const runtime = this.props.runtime ?? lambda.Runtime.NODEJS_22_X;
    if (runtime.name === lambda.Runtime.NODEJS_22_X.name) {
      const reason =
        "nodejs22.x is pinned on purpose: npm test runs the esbuild bundles on Node 22 (and 20); raise it with " +
        "the runtime prop once the bundles are tested on the newer runtime.";
      for (const fn of fns) {
        Validations.of(fn).acknowledge(
          { id: "AwsSolutions-L1", reason },
          { id: "Serverless-LambdaLatestVersion", reason },
        );
      }
    }
    Validations.of(this.apiFunction).acknowledge(
      {
        id: "Serverless-LambdaDLQ",
        reason: "Invoked synchronously by API Gateway: the caller gets the error; a dead-letter queue never fills.",
      },
      {
        id: "Serverless-LambdaAsyncFailureDestination",
        reason: "Invoked synchronously by API Gateway: no asynchronous invocation, so no failure destination.",
      },
    );
    for (const fn of [
      this.maintenanceFunction,
      this.workerFunction,
      ...(this.subscriptionFunction ? [this.subscriptionFunction] : []),
    ]) {
      Validations.of(fn).acknowledge({
        id: "Serverless-LambdaAsyncFailureDestination",
        reason:
          "Failed asynchronous invocations go to the dead-letter queue (DeadLetterConfig) after Lambda's two " +
          "retries; a second failure destination would duplicate it.",
      });
    }
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: "AwsSolutions-SQS3",
        reason: "This queue is the dead-letter queue of the maintenance functions and of the schedule.",
      },
      { id: "Serverless-SQSRedrivePolicy", reason: "This queue is itself the dead-letter queue." },
    );
    if (!this.props.accessLogs) {
      Validations.of(this.bucket).acknowledge({
        id: "AwsSolutions-S1",
        reason:
          "Server access logs are optional (accessLogs prop): every request already reaches the API access log " +
          "and the functions' logs, and S3 logging would add a log object per batch of requests.",
      });
    }
  }
}

/** The API access log: one JSON object per request (cdk-nag's Serverless pack asks for structured logs). */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.caller",
  user: "$context.identity.user",
  jwtSub: "$context.authorizer.claims.sub",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  path: "$context.path",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
};

function validate(props: StrataLogServiceProps): void {
  if (
    props.pitrDays !== undefined &&
    !(Number.isInteger(props.pitrDays) && props.pitrDays >= 1 && props.pitrDays <= 35)
  ) {
    throw new InvalidArgumentError("pitrDays", `pitrDays must be an integer from 1 to 35, got ${props.pitrDays}`);
  }
  if (props.auth?.type === "jwt" && (!props.auth.issuer || props.auth.audience.length === 0)) {
    throw new InvalidArgumentError("auth", "a JWT authorizer needs an issuer and at least one audience");
  }
  if (!/^[a-z0-9-]{1,20}$/.test(props.stage)) {
    throw new InvalidArgumentError(
      "stage",
      `stage must be 1-20 lowercase letters, digits or dashes, got "${props.stage}"`,
    );
  }
}
