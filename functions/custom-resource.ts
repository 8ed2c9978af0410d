/**
 * CloudFormation custom resources handled by our own functions (no provider framework): the event's shape, and
 * the answer, a PUT of a JSON document to the pre-signed ResponseURL the event carries. CloudFormation waits for
 * that answer, so it is sent whatever happens (a failure is answered FAILED with its reason).
 */
export interface CustomResourceEvent {
  RequestType: "Create" | "Update" | "Delete";
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, string>;
  OldResourceProperties?: Record<string, string>;
}

export const isCustomResourceEvent = (e: unknown): e is CustomResourceEvent =>
  typeof e === "object" && e !== null && "RequestType" in e && "ResponseURL" in e;

/** Runs `work` and answers CloudFormation: SUCCESS with its physical id and data (never echoed), or FAILED. */
export async function answerCustomResource(
  event: CustomResourceEvent,
  work: () => Promise<{ physicalResourceId: string; data?: Record<string, string> }>,
  send: typeof fetch = fetch,
): Promise<void> {
  let answer: Record<string, unknown>;
  try {
    const { physicalResourceId, data } = await work();
    answer = { Status: "SUCCESS", PhysicalResourceId: physicalResourceId, Data: data ?? {}, NoEcho: true };
  } catch (e) {
    answer = {
      Status: "FAILED",
      Reason: e instanceof Error ? e.message : String(e),
      PhysicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId,
    };
  }
  const body = JSON.stringify({
    ...answer,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // The pre-signed URL is signed for an empty content type.
  const res = await send(event.ResponseURL, { method: "PUT", body, headers: { "content-type": "" } });
  if (!res.ok) throw new Error(`CloudFormation's response URL answered ${res.status}`);
}
