/**
 * The e-commerce scenario from the Kafka overview: an OrderEvents topic keyed by customer id, written by an
 * order service while two independent readers (InventoryService and NotificationService) long-poll every
 * partition with POST /v1/fetch. Each reader must see every event exactly once, and each customer's events
 * in the order they were produced.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

let server: TestServer;
let api: Client;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(async () => server?.dispose());

const PARTITIONS = 3;
const CUSTOMERS = ["alice", "bob", "carol", "dave", "erin", "frank"];
const STEPS = ["OrderPlaced", "PaymentReceived", "OrderPacked", "OrderShipped", "OrderDelivered"];

interface Event {
  customer: string;
  step: string;
  order: number;
}

/** A reader with its own offsets; it stops once it has seen `expected` events. */
async function read(name: string, expected: number): Promise<Event[]> {
  const offsets = Array.from({ length: PARTITIONS }, () => 0);
  const seen: Event[] = [];
  const deadline = Date.now() + 30_000;
  while (seen.length < expected) {
    if (Date.now() > deadline) throw new Error(`${name} saw only ${seen.length} of ${expected} events`);
    const res = await api.post("/v1/fetch", {
      partitions: offsets.map((offset, partition) => ({ topic: "OrderEvents", partition, offset })),
      maxWaitMs: 2000,
      maxRecords: 7,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const p of res.body.partitions) {
      for (const r of p.records) {
        const event = JSON.parse(r.value) as Event;
        expect(r.key).toBe(event.customer);
        seen.push(event);
      }
      offsets[p.partition] = p.nextOffset;
    }
  }
  return seen;
}

it("two independent readers each see every order event, in per-customer order", async () => {
  const created = await api.post("/v1/topics", { name: "OrderEvents", partitions: PARTITIONS });
  expect(created.status).toBe(201);
  const produced: Event[] = [];
  const total = CUSTOMERS.length * STEPS.length;
  const inventory = read("InventoryService", total);
  const notifications = read("NotificationService", total);

  // The order service: each request carries the next step of a few customers, so events interleave.
  for (const step of STEPS) {
    for (let i = 0; i < CUSTOMERS.length; i += 2) {
      const batch = CUSTOMERS.slice(i, i + 2).map((customer, j) => ({ customer, step, order: produced.length + j }));
      const res = await api.post("/v1/topics/OrderEvents/records", {
        records: batch.map((e) => ({ key: e.customer, value: JSON.stringify(e) })),
      });
      expect(res.body.failed).toBe(0);
      produced.push(...batch);
    }
  }

  for (const seen of await Promise.all([inventory, notifications])) {
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.order)).size).toBe(total);
    for (const customer of CUSTOMERS) {
      const theirs = seen.filter((e) => e.customer === customer).map((e) => e.step);
      expect(theirs, customer).toEqual(STEPS);
    }
  }
  // keyed by customer: one customer's events all live in one partition
  const described = await api.get("/v1/topics/OrderEvents");
  const sum = described.body.partitions.reduce((n: number, p: { highWatermark: number }) => n + p.highWatermark, 0);
  expect(sum).toBe(total);
});
