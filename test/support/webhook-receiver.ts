/**
 * A real HTTP webhook receiver for subscription tests, on a free loopback port: it records every POST (headers,
 * raw body, parsed event) and answers with what the test's `answer` function returns for it (default 200).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeliveryEvent, EventRecord } from "../../lib/subscriptions/types.js";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: DeliveryEvent;
  records: EventRecord[];
  /** the records' values as text */
  values: string[];
}

export interface Answer {
  status?: number;
  body?: unknown;
  /** wait this long before answering */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** every value received, in arrival order (duplicates included) */
  values(): string[];
  answer: (r: Received, index: number) => Answer;
  /** resolves once `predicate` holds for what was received (polled every 20 ms), or rejects after `ms` */
  until(predicate: (received: Received[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export const text = (b64: string | null): string => (b64 === null ? "" : Buffer.from(b64, "base64").toString("utf8"));

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    received: [],
    values: () => receiver.received.flatMap((r) => r.values),
    answer: () => ({}),
    until: async (predicate, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline) {
          throw new Error(`not received in ${ms} ms; got ${JSON.stringify(receiver.values())}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const event = JSON.parse(body) as DeliveryEvent;
      const records = Object.values(event.records).flat();
      const r: Received = { headers: req.headers, body, event, records, values: records.map((x) => text(x.value)) };
      const index = receiver.received.length;
      receiver.received.push(r);
      const a = receiver.answer(r, index);
      setTimeout(() => {
        res.writeHead(a.status ?? 200, { "content-type": "application/json" });
        res.end(a.body === undefined ? "" : JSON.stringify(a.body));
      }, a.delayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
