/**
 * README's Kafka examples ("Use your Kafka clients"), run exactly as printed against a local server whose Kafka
 * listener is on the address they use, 127.0.0.1:9092 (HTTP on a free port). A busy port 9092 fails the test
 * loudly. kcat is required under CI and skipped with a reason elsewhere (test/support/binaries.ts).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../lib/server/server.js";
import { requireBinary } from "../support/binaries.js";

const run = promisify(execFile);
const MARKER = "<!-- readme-test: kafka -->";
const kcat = requireBinary("kcat", "/usr/bin/kcat");

function markedShellBlocks(markdown: string): string[] {
  const re = new RegExp(`${MARKER}\\s*\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``, "g");
  return [...markdown.matchAll(re)].map((m) => m[1]!);
}

describe.skipIf(!kcat.available)("README's Kafka examples", () => {
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", () => reject(new Error("port 9092 is busy: README's Kafka examples use it; free it")));
      probe.listen(9092, "127.0.0.1", () => probe.close(() => resolve()));
    });
    dataDir = await mkdtemp(join(tmpdir(), "strata-readme-kafka-"));
    server = await startServer({ port: 0, kafkaPort: 9092, dataDir, maintenanceIntervalMs: 0 });
    expect(server.kafka?.bootstrap).toBe("127.0.0.1:9092");
  });

  afterAll(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("work exactly as printed: kafkajs creates the topic, kcat produces and reads back", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const blocks = markedShellBlocks(readme);
    expect(blocks).toHaveLength(2);
    const outputs: string[] = [];
    for (const block of blocks) {
      const { stdout } = await run("sh", ["-e", "-c", block], { timeout: 30_000 });
      outputs.push(stdout);
    }
    expect(outputs[1]).toBe("alice=hello\nbob=world\n");
    const topic = (await (await fetch(`${server.url}/v1/topics/greetings-kafka`)).json()) as { partitions: unknown[] };
    expect(topic.partitions).toHaveLength(3);
  });
});
