/**
 * The CDK app (cdk.json "app"): `npx cdk deploy -c stage=prod` deploys the stack Strata-prod.
 * Every context key is described in cdk/config.ts and docs/DEPLOY.md.
 */
import { App } from "aws-cdk-lib";
import { buildApp } from "./config.js";

const app = new App();
buildApp(app);
app.synth();
