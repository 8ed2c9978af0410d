/**
 * The dispatcher port: in process, and on AWS Lambda (asynchronous invocations). No Lambda service runs here, so
 * the AWS one is checked against aws-sdk-client-mock: the exact commands it sends and how it reports failures.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { StrataError } from "../../../lib/errors.js";
import { LambdaDispatcher } from "../../../lib/maintenance/aws-dispatcher.js";
import { InProcessDispatcher, type MaintenanceJob } from "../../../lib/maintenance/dispatcher.js";

const jobs: MaintenanceJob[] = [
  { kind: "partition", topic: "t", topicId: "id1", partition: 0, due: ["x"] },
  { kind: "partition", topic: "t", topicId: "id1", partition: 1 },
  { kind: "gc", topicId: "id0", partitions: 3 },
  { kind: "sweep" },
];

describe("LambdaDispatcher", () => {
  it("invokes the worker asynchronously, one event per job by default", async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // Act
    await new LambdaDispatcher({ client: new LambdaClient({}), functionName: "worker" }).dispatch(jobs);
    // Assess
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      expect(c.args[0].input.FunctionName).toBe("worker");
      expect(c.args[0].input.InvocationType).toBe("Event");
    }
    const sent = calls.map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)).jobs);
    expect(sent.flat()).toEqual(jobs);
    lambda.restore();
  });

  it("groups jobs per invocation when asked", async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await new LambdaDispatcher({ client: new LambdaClient({}), functionName: "w", jobsPerInvocation: 3 }).dispatch(
      jobs,
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
    lambda.restore();
  });

  it("reports failed invocations as one retriable error after trying them all", async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).rejectsOnce(new Error("throttled")).resolves({ StatusCode: 202 });
    const e = await new LambdaDispatcher({ client: new LambdaClient({}), functionName: "w" })
      .dispatch(jobs)
      .catch((x) => x);
    expect(e).toBeInstanceOf(StrataError);
    expect(e.retriable).toBe(true);
    expect(e.message).toContain("1 of 4");
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(4);
    lambda.restore();
  });
});

describe("InProcessDispatcher", () => {
  it("runs every job, a few at a time, and a failed one does not stop the others", async () => {
    const ran: MaintenanceJob[] = [];
    let inFlight = 0;
    let most = 0;
    const failed: MaintenanceJob[] = [];
    const d = new InProcessDispatcher(
      async (job) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (job.kind === "gc") throw new Error("boom");
        ran.push(job);
      },
      { concurrency: 2, onError: (job) => failed.push(job) },
    );
    await d.dispatch(jobs);
    expect(ran).toHaveLength(3);
    expect(failed).toEqual([jobs[2]]);
    expect(most).toBe(2);
  });
});
