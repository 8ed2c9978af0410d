/**
 * [subscriptions] records per second delivered from one partition, per target and batch size, on the embedded
 * backend: a target that answers at once (the delivery machinery alone: fetch, call, commit under the lease) and a
 * real webhook on loopback (signing, HTTP, JSON). Also the ledger requests per delivered batch, which do not vary
 * (on AWS each is one DynamoDB request: docs/DEPLOY.md prices them).
 * Run: npx tsx bench/subscriptions.ts, or BENCH_ONLY=subscriptions npm run bench
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createStrata } from "../lib/strata.js";
import { deliverPartition } from "../lib/subscriptions/deliver.js";
import type { DeliveryTarget } from "../lib/subscriptions/target.js";
import { webhookTarget } from "../lib/subscriptions/webhook-target.js";
import { instrument } from "../test/support/instrument.js";
import { embeddedBackend, now, recordValue, round } from "./support.js";

async function receiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function run(records: number, batchSize: number, target: "instant" | "webhook") {
  const backend = await embeddedBackend();
  const ledger = instrument(backend.ledger);
  const hook = await receiver();
  try {
    const strata = await createStrata({
      storage: { backend: "opened", storage: { ledger, store: backend.store } },
      subscriptions: { allowPrivateTargets: true },
    });
    await strata.log.createTopic("bench", 1);
    const s = (
      await strata.subscriptions.service.put("bench", {
        topics: ["bench"],
        group: "bench",
        target: { type: "webhook", url: hook.url },
        batchSize,
        startFrom: "earliest",
      })
    ).subscription;
    for (let i = 0; i < records; i += 500) {
      const n = Math.min(500, records - i);
      await strata.log.produce(
        "bench",
        Array.from({ length: n }, (_, j) => ({ key: null, value: recordValue(i + j), partition: 0 })),
      );
    }
    const instant: DeliveryTarget = { deliver: async () => ({ ok: true }) };
    const deps = {
      ...strata.subscriptions.deliveryDeps,
      targets: () => (target === "instant" ? instant : webhookTarget(s.target as never, { allowPrivateTargets: true })),
    };
    const before = ledger.calls.length;
    const t0 = now();
    const result = await deliverPartition(deps, s, "bench", 0);
    const seconds = (now() - t0) / 1000;
    const batches = Math.ceil(records / batchSize);
    await strata.close();
    return {
      target,
      batchSize,
      records: result.delivered,
      recordsPerSecond: Math.round(result.delivered / seconds),
      ledgerRequestsPerBatch: round((ledger.calls.length - before) / batches, 1),
    };
  } finally {
    await hook.close();
    await backend.close();
  }
}

export async function benchSubscriptions(quick: boolean): Promise<Record<string, unknown>> {
  const records = quick ? 2_000 : 20_000;
  const runs = [];
  for (const target of ["instant", "webhook"] as const) {
    for (const batchSize of [100, 1_000]) runs.push(await run(records, batchSize, target));
  }
  return { perPartition: runs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchSubscriptions(process.env.BENCH_QUICK === "1").then((r) => console.log(JSON.stringify(r, null, 2)));
}
