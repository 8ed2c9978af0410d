/**
 * The deployable stack: one StrataLogService and its outputs (API URL, bucket and table names).
 */
import { CfnOutput, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { StrataLogService, type StrataLogServiceProps } from "./strata-log-service.js";

export interface StrataStackProps extends StackProps {
  /** the construct's props, or a function of the stack for props that need it (keys, imported resources) */
  service: StrataLogServiceProps | ((stack: Stack) => StrataLogServiceProps);
}

/**
 * @example
 * new StrataStack(app, "Strata-dev", { service: { stage: "dev" } });
 */
export class StrataStack extends Stack {
  readonly service: StrataLogService;

  constructor(scope: Construct, id: string, props: StrataStackProps) {
    super(scope, id, props);
    const service = typeof props.service === "function" ? props.service(this) : props.service;
    this.service = new StrataLogService(this, "Strata", service);
    Tags.of(this).add("strata:stage", service.stage);
    new CfnOutput(this, "ApiUrl", { value: this.service.apiUrl, description: "base URL of the Strata HTTP API" });
    new CfnOutput(this, "BucketName", { value: this.service.bucket.bucketName, description: "segment objects" });
    new CfnOutput(this, "TableName", { value: this.service.table.tableName, description: "the ledger" });
    new CfnOutput(this, "DashboardName", { value: this.service.dashboard.dashboardName });
    new CfnOutput(this, "DeadLetterQueueUrl", { value: this.service.deadLetterQueue.queueUrl });
  }
}
