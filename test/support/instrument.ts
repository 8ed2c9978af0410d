/**
 * Port-level instrumentation for tests: records every call to a port (ObjectStore, Ledger, ...) and
 * optionally injects a fault before the call (it never reaches storage) or after it (storage applied
 * it and the caller sees an error: the dangerous case).
 */
import { StrataError } from "../../lib/errors.js";

export interface PortCall {
  method: string;
  args: unknown[];
  /** 0-based position among all calls to this instrumented port */
  seq: number;
}

export type FaultDecision = "before" | "after" | undefined;

export class InjectedFault extends StrataError {
  constructor(call: PortCall, when: "before" | "after") {
    super("UNAVAILABLE", `injected fault ${when} ${call.method} #${call.seq}`, { retriable: true });
    this.name = "InjectedFault";
  }
}

export type Instrumented<T> = T & { calls: PortCall[] };

export function instrument<T extends object>(
  target: T,
  options: { fault?: (call: PortCall) => FaultDecision; onCall?: (call: PortCall) => void } = {},
): Instrumented<T> {
  const calls: PortCall[] = [];
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop === "calls") return calls;
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return async (...args: unknown[]) => {
        const call: PortCall = { method: prop, args, seq: calls.length };
        calls.push(call);
        options.onCall?.(call);
        const decision = options.fault?.(call);
        if (decision === "before") throw new InjectedFault(call, "before");
        const result = await value.apply(obj, args);
        if (decision === "after") throw new InjectedFault(call, "after");
        return result;
      };
    },
  }) as Instrumented<T>;
}
