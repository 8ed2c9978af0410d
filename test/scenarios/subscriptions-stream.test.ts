/**
 * The AWS wake-up against DynamoDB Local's streams: with a KEYS_ONLY stream on the ledger table (as the CDK
 * construct deploys it), a produce leaves stream records; the construct's event filter (HEAD_CHANGE_FILTER) keeps
 * exactly the partition-head changes; handing those, as a Lambda event, to the deployed handler
 * (functions/subscriptions.ts, over the emulators) delivers the records to a webhook and commits the group. A
 * scheduled event (the sweep) delivers what a lost wake-up left behind; with nothing new it delivers nothing.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStrata, type Strata } from "../../lib/strata.js";
import { HEAD_CHANGE_FILTER } from "../../lib/subscriptions/stream-event.js";
import { apiHandlerOnEmulators } from "../support/apigw.js";
import type { AwsTestStorage } from "../support/aws-storage.js";
import { enableStream, matchesFilter, readStream, type StreamRecord } from "../support/dynamodb-streams.js";
import { type Receiver, startReceiver } from "../support/webhook-receiver.js";

let aws: AwsTestStorage;
let strata: Strata;
let hook: Receiver;
let handler: typeof import("../../functions/subscriptions.js").handler;
let streamArn: string;

beforeAll(async () => {
  ({ aws } = await apiHandlerOnEmulators());
  process.env.STRATA_SUBSCRIPTIONS_ALLOW_PRIVATE_TARGETS = "true";
  handler = (await import("../../functions/subscriptions.js")).handler;
  streamArn = await enableStream(aws.dynamodb, aws.table);
  strata = await createStrata({
    storage: { backend: "opened", storage: { ledger: aws.ledger, store: aws.store } },
    subscriptions: { allowPrivateTargets: true },
  });
  hook = await startReceiver();
}, 120_000);
afterAll(async () => {
  delete process.env.STRATA_SUBSCRIPTIONS_ALLOW_PRIVATE_TARGETS;
  await hook?.close();
  await strata?.close();
  await aws?.cleanup();
});

const context = { awsRequestId: "test", getRemainingTimeInMillis: () => 300_000 };

it("wakes delivery from the ledger's stream, filtered to partition heads", async () => {
  await strata.log.createTopic("events", 2);
  await strata.subscriptions.service.put("events-hook", {
    topics: ["events"],
    group: "events-hook",
    target: { type: "webhook", url: hook.url },
  });
  const seen = (await readStream(streamArn)).length;
  await strata.log.produce("events", [
    { key: null, value: new TextEncoder().encode("one"), partition: 1 },
    { key: null, value: new TextEncoder().encode("two"), partition: 1 },
  ]);
  const records = (await readStream(streamArn)).slice(seen);
  const heads = records.filter((r) => matchesFilter(HEAD_CHANGE_FILTER, r));
  // the produce wrote index entries and a head; only the head passes the filter
  expect(records.length).toBeGreaterThan(heads.length);
  expect(heads.map((r: StreamRecord) => r.dynamodb.Keys.sk?.S)).toEqual(["head"]);
  expect(heads[0]!.dynamodb.Keys.pk?.S).toMatch(/^p#.+#1$/);

  const report = await handler({ Records: heads }, context);
  expect(report).toMatchObject({ partitions: 1, delivered: 2, unfinished: 0 });
  expect(hook.values()).toEqual(["one", "two"]);
  const offsets = (await strata.groups.fetchOffsets("events-hook")).offsets;
  expect(offsets.find((o) => o.partition === 1)).toMatchObject({ offset: 2, lag: 0 });

  // A wake-up that never came: the scheduled sweep finds the partition behind and delivers it.
  await strata.log.produce("events", [{ key: null, value: new TextEncoder().encode("three"), partition: 0 }]);
  expect(await handler({ source: "aws.events", "detail-type": "Scheduled Event" }, context)).toMatchObject({
    partitions: 1,
    delivered: 1,
  });
  expect(hook.values()).toEqual(["one", "two", "three"]);
  expect(await handler({ source: "aws.events" }, context)).toMatchObject({ partitions: 0, delivered: 0 });
});
