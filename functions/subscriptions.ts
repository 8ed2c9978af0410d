/**
 * The subscription delivery function (docs/SUBSCRIPTIONS.md). Three kinds of event reach it:
 *
 * - DynamoDB Streams records of the ledger table, filtered by the event source mapping to partition heads
 *   (lib/subscriptions/stream-event.ts): the subscriptions reading those partitions deliver until caught up;
 * - the scheduled sweep (EventBridge): every partition of every subscription that is behind, a safety net;
 * - CloudFormation custom resources: the subscriptions the CDK construct declares (Create/Update put them,
 *   Delete removes them), validated by the same code as PUT /v1/subscriptions.
 *
 * A stream batch with partitions left unfinished (the deadline, an error) fails, so Lambda retries it; the sweep
 * catches whatever retries do not. Environment: as every function (lambda.ts).
 */
import { isStrataError } from "../lib/errors.js";
import { changedHeads, type StreamRecord } from "../lib/subscriptions/stream-event.js";
import type { SubscriptionSpec } from "../lib/subscriptions/types.js";
import type { WakeReport } from "../lib/subscriptions/wake.js";
import { answerCustomResource, isCustomResourceEvent } from "./custom-resource.js";
import { containerStrata, invocation } from "./lambda.js";

/** Batches start only while this much of the invocation is left (a batch's call and commit fit in it). */
const DEADLINE_MARGIN_MS = 70_000;

interface Context {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export const handler = (event: unknown, context?: Context): Promise<WakeReport | undefined> =>
  invocation(context, async () => {
    const strata = await containerStrata();
    const { wake, service } = strata.subscriptions;
    if (isCustomResourceEvent(event)) {
      await answerCustomResource(event, async () => {
        const name = event.ResourceProperties.Name!;
        if (event.RequestType === "Delete") {
          await service.delete(name).catch((e) => {
            if (!isStrataError(e) || e.code !== "SUBSCRIPTION_NOT_FOUND") throw e;
          });
          return { physicalResourceId: name };
        }
        const spec = JSON.parse(event.ResourceProperties.Subscription ?? "{}") as SubscriptionSpec;
        const { subscription } = await service.put(name, spec);
        const secret = subscription.target.type === "webhook" ? subscription.target.secret : "";
        return { physicalResourceId: name, data: { Secret: secret } };
      });
      return undefined;
    }
    const left = context?.getRemainingTimeInMillis?.() ?? 300_000;
    const deadline = strata.clock.now() + Math.max(0, left - DEADLINE_MARGIN_MS);
    const records = (event as { Records?: StreamRecord[] })?.Records;
    if (Array.isArray(records)) {
      const report = await wake.heads(changedHeads(records), { deadline });
      if (report.unfinished > 0) {
        throw new Error(`${report.unfinished} partition(s) not caught up; the stream batch is retried`);
      }
      return report;
    }
    return wake.sweep({ deadline });
  });
