/**
 * The Lambda target: one synchronous invocation (RequestResponse) per batch, the event (event.ts) as payload. A
 * function error (FunctionError set: the handler threw or timed out), an invoke error or a status other than 200
 * is a failure that delivery retries; otherwise the function's return value may be a partial-batch answer
 * ({ batchItemFailures: [{ itemIdentifier: offset }] }). The only file of lib/subscriptions that imports the AWS SDK.
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from "@aws-sdk/client-lambda";
import { outcomeOfAnswer } from "./event.js";
import type { DeliveryTarget, TargetOutcome } from "./target.js";
import type { DeliveryEvent, LambdaTarget } from "./types.js";

/** Lambda's own payload limit for a synchronous invocation. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * @example
 * const target = lambdaTarget(new LambdaClient({}), { type: "lambda", functionArn });
 * const outcome = await target.deliver(event);
 */
export function lambdaTarget(client: LambdaClient, target: LambdaTarget): DeliveryTarget {
  return {
    async deliver(event: DeliveryEvent, signal?: AbortSignal): Promise<TargetOutcome> {
      const payload = new TextEncoder().encode(JSON.stringify(event));
      if (payload.byteLength > MAX_PAYLOAD_BYTES) {
        // Retrying cannot make it fit; bisectOnError (or a smaller batchSize) can.
        return { ok: false, error: `the event is ${payload.byteLength} bytes, over Lambda's ${MAX_PAYLOAD_BYTES}` };
      }
      let out: InvokeCommandOutput;
      try {
        out = await client.send(
          new InvokeCommand({ FunctionName: target.functionArn, InvocationType: "RequestResponse", Payload: payload }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (e) {
        return {
          ok: false,
          error: `invoking ${target.functionArn} failed: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
      if (out.FunctionError) {
        return { ok: false, error: `the function failed (${out.FunctionError}): ${errorMessage(text)}` };
      }
      if (out.StatusCode !== undefined && out.StatusCode !== 200) {
        return { ok: false, error: `the invocation answered ${out.StatusCode}` };
      }
      return outcomeOfAnswer(parse(text), event);
    },
  };
}

function parse(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Lambda's error payload is { errorType, errorMessage, trace }: the message is what an operator needs. */
function errorMessage(text: string): string {
  const p = parse(text) as { errorMessage?: unknown } | undefined;
  return typeof p?.errorMessage === "string" ? p.errorMessage : text.slice(0, 500);
}
