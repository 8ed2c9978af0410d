/**
 * `npm run bench`: every section's figures, printed and written as JSON to bench/results/latest.json.
 * Not part of `npm test`. Machines here are shared and noisy: compare figures as the ratios each section
 * computes against a baseline measured in the same run; request counts do not vary.
 *
 * BENCH_QUICK=1 runs a smaller version (smoke test). BENCH_ONLY=core,http picks sections.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { benchCore } from "./core.js";
import { benchHttp } from "./http.js";
import { benchKafka } from "./kafka.js";
import { benchMaintenance } from "./maintenance.js";
import { benchSdk } from "./sdk.js";
import { benchStart } from "./start.js";
import { benchSubscriptions } from "./subscriptions.js";
import { stopEmulators } from "./support.js";

type Section = (quick: boolean) => Promise<Record<string, unknown>>;

const sections: Record<string, Section> = {
  core: benchCore,
  http: benchHttp,
  sdk: benchSdk,
  kafka: benchKafka,
  maintenance: benchMaintenance,
  start: benchStart,
  subscriptions: benchSubscriptions,
};

async function main() {
  const quick = process.env.BENCH_QUICK === "1";
  const only = process.env.BENCH_ONLY?.split(",");
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick };
  try {
    for (const [name, run] of Object.entries(sections)) {
      if (only && !only.includes(name)) continue;
      process.stderr.write(`bench: ${name}...\n`);
      results[name] = await run(quick);
    }
  } finally {
    await stopEmulators();
  }
  const json = JSON.stringify(results, null, 2);
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/latest.json", `${json}\n`);
  process.stdout.write(`${json}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
