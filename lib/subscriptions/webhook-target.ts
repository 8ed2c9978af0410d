/**
 * The webhook target: one POST per batch with the event as its JSON body, signed (signature.ts), cut after the
 * subscription's timeoutMs. A 2xx answer means done (its JSON body may be a partial-batch answer); anything else,
 * a timeout or a connection error is a failure that delivery retries. Unless private targets are allowed, the
 * connection is refused when DNS gives a loopback or private address (checked at connect time, on the address
 * actually used, so a name re-resolving to an internal address cannot slip past a check made earlier).
 * Redirects are not followed (a 3xx is a failure): a redirect could point anywhere.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isPrivateAddress, isPrivateHost } from "./address.js";
import { outcomeOfAnswer } from "./event.js";
import { SIGNATURE_HEADER, signatureHeader } from "./signature.js";
import type { DeliveryTarget, TargetOutcome } from "./target.js";
import type { DeliveryEvent, WebhookTarget } from "./types.js";

/** At most this much of an answer is read (a partial-batch answer is small). */
const MAX_ANSWER_BYTES = 1 << 20;

export interface WebhookOptions {
  allowPrivateTargets: boolean;
  /** seconds since the epoch for the signature; default the system clock */
  nowSeconds?: () => number;
}

export function webhookTarget(target: Required<WebhookTarget>, options: WebhookOptions): DeliveryTarget {
  const url = new URL(target.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const lookup = options.allowPrivateTargets ? undefined : publicOnlyLookup;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return {
    deliver(event: DeliveryEvent, signal?: AbortSignal): Promise<TargetOutcome> {
      // A literal address is connected to without a lookup: checked here (declarations are checked too).
      if (lookup && isPrivateHost(url.hostname)) {
        return Promise.resolve({ ok: false, error: `${url.hostname} is a loopback or private address` });
      }
      const body = JSON.stringify(event);
      return new Promise((resolve) => {
        const req = send(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "user-agent": "strata-subscriptions",
              "strata-subscription": event.subscription,
              [SIGNATURE_HEADER]: signatureHeader(target.secret, body, now()),
            },
            timeout: target.timeoutMs,
            ...(lookup ? { lookup } : {}),
            ...(signal ? { signal } : {}),
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (c: Buffer) => {
              size += c.length;
              if (size <= MAX_ANSWER_BYTES) chunks.push(c);
            });
            res.on("error", (e) => resolve({ ok: false, error: `reading the answer failed: ${e.message}` }));
            res.on("end", () => {
              clearTimeout(deadline);
              const status = res.statusCode ?? 0;
              if (status < 200 || status > 299) {
                resolve({ ok: false, error: `the webhook answered ${status}` });
                return;
              }
              resolve(outcomeOfAnswer(parseAnswer(Buffer.concat(chunks).toString("utf8")), event));
            });
          },
        );
        // `timeout` is socket inactivity; this bounds the whole exchange.
        const deadline = setTimeout(
          () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)),
          target.timeoutMs,
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
        req.on("error", (e) => {
          clearTimeout(deadline);
          resolve({ ok: false, error: `the webhook call failed: ${e.message}` });
        });
        req.end(body);
      });
    },
  };
}

function parseAnswer(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** dns.lookup, refusing every answer that holds a loopback or private address. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "", 0);
    const list = addresses as unknown as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const e = Object.assign(new Error(`${hostname} resolves to ${bad.address}, a loopback or private address`), {
        code: "EPRIVATEADDRESS",
      });
      return callback(e, "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};
