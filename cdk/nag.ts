/**
 * The compliance checks every Strata app runs at synthesis: cdk-nag's AwsSolutions and Serverless packs, as CDK
 * policy-validation plugins (cdk-nag 3). Findings the design accepts are acknowledged where they arise
 * (strata-log-service.ts, `Validations.of(construct).acknowledge`), each with its reason; any other finding,
 * error or warning, fails `cdk synth` and `cdk deploy`.
 */
import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

/** The packs, fresh (a pack keeps the violations of its last run). */
export function nagPacks(scope?: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope, { verbose: true }), new ServerlessChecks(scope, { verbose: true })];
}

/**
 * Registers the packs as validation plugins of the app: synthesis fails on any unacknowledged finding.
 *
 * @example
 * const app = new App();
 * applyNagChecks(app);
 */
export function applyNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

/** One unacknowledged finding: its rule (e.g. AwsSolutions-IAM5[Resource::*]), severity and resources. */
export interface NagFinding {
  rule: string;
  severity: string;
  paths: string[];
  description: string;
}

/**
 * Runs both packs over a construct tree (a stack, or a whole app) and returns every unacknowledged finding.
 *
 * @example
 * expect(nagFindings(stack)).toEqual([]);
 */
export function nagFindings(scope: IConstruct): NagFinding[] {
  return nagPacks().flatMap((pack) =>
    pack.validateScope(scope).violations.map((v) => ({
      rule: v.ruleName,
      severity: String(v.severity ?? "error"),
      paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? "?"),
      description: v.description,
    })),
  );
}
