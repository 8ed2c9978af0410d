/**
 * README's curl examples, run exactly as printed (no substitution) against a local server started on the
 * URL they use, http://127.0.0.1:8080, over a fresh temporary data directory. A busy port 8080 fails the
 * test loudly rather than talking to whatever else listens there.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../lib/server/server.js";

const run = promisify(execFile);
const MARKER = "<!-- readme-test: run -->";

/** The sh blocks that follow a marker, in README order. */
function markedShellBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`${MARKER}\\s*\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``, "g");
  for (const m of markdown.matchAll(re)) blocks.push(m[1]!);
  return blocks;
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () =>
      reject(new Error(`port ${port} is busy: README's examples use http://127.0.0.1:${port}; free it and rerun`)),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  await assertPortFree(8080);
  dataDir = await mkdtemp(join(tmpdir(), "strata-readme-"));
  // a live tail never ends locally: here it ends after a second, so the curl -N example returns
  server = await startServer({ port: 8080, dataDir, tail: { maxDurationMs: 1000 } });
  expect(server.url).toBe("http://127.0.0.1:8080");
});

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("README's curl examples work exactly as printed", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const blocks = markedShellBlocks(readme);
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  const outputs: string[] = [];
  for (const block of blocks) {
    const { stdout } = await run("sh", ["-e", "-c", block], { timeout: 30_000 });
    outputs.push(stdout);
  }
  const [created, produced, fetchedMany, fetchedOne, outOfRange, tailed] = outputs;
  expect(JSON.parse(created!)).toMatchObject({ name: "greetings", config: { "retention.ms": "86400000" } });
  expect(JSON.parse(created!).partitions).toHaveLength(3);

  const offsets = JSON.parse(produced!);
  expect(offsets.failed).toBe(0);
  expect(offsets.offsets).toHaveLength(2);
  const [first, second] = offsets.offsets;
  expect(second).toEqual({ partition: first.partition, offset: first.offset + 1 });

  const many = JSON.parse(fetchedMany!).partitions.flatMap((p: { records: { value: string }[] }) => p.records);
  expect(many.map((r: { value: string }) => r.value)).toEqual(["hello", "world"]);
  expect(fetchedOne).toContain('"highWatermark"');
  expect(JSON.parse(outOfRange!)).toMatchObject({ status: 416, logStartOffset: 0 });

  // the tail from offset 0, then the same after Last-Event-ID 0: partition 0's records as events, id = offset
  const events = [...tailed!.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  expect(first.partition).toBe(0); // alice's key lands in partition 0, which the examples read
  const ids = [0, 1];
  expect(events).toEqual([...ids, ...ids.slice(1)]);
  expect(tailed).toMatch(/^data: \{"offset":0,/m);
});
