/**
 * The installed `strata` binary (node_modules/.bin/strata, linked by the workspace install) against a real local
 * server. The bundle is rebuilt first so the binary runs the current source.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, expectOneLineError, type Run, runCli } from "./cli-support.js";
import { startTestServer, type TestServer } from "./support.js";

let srv: TestServer;

beforeAll(async () => {
  buildCli();
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

const strata = (args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> =>
  runCli(srv.url, args, options);

describe("strata CLI", () => {
  it("topics create | list | describe | alter | delete", async () => {
    expect(
      (await strata(["topics", "create", "cli-t", "--partitions", "2", "--config", "retention.ms=60000"])).stdout,
    ).toMatch(/created topic cli-t with 2 partition/);
    expect((await strata(["topics", "list"])).stdout.split("\n")).toContain("cli-t");
    const described = await strata(["topics", "describe", "cli-t"]);
    expect(described.stdout).toMatch(/PARTITION\s+LOG-START\s+HIGH-WATERMARK/);
    expect(described.stdout).toMatch(/retention\.ms=60000/);
    expect((await strata(["topics", "alter", "cli-t", "-p", "3", "--config", "retention.ms=120000"])).code).toBe(0);
    const json = JSON.parse((await strata(["topics", "describe", "cli-t", "--json"])).stdout);
    expect(json.partitions).toHaveLength(3);
    expect(json.config["retention.ms"]).toBe("120000");
    expect((await strata(["topics", "delete", "cli-t"])).code).toBe(0);
    expectOneLineError(await strata(["topics", "describe", "cli-t"]), 1, /^strata: .*cli-t.*does not exist/);
  });

  it("produces keyed lines with headers from stdin and consumes them back in kcat format and as JSON", async () => {
    await strata(["topics", "create", "lines", "-p", "3"]);
    const produced = await strata(["produce", "lines", "-K", ":", "-H", "src=cli", "-H", "v=1"], {
      input: "alice:one\nbob:two\nalice:three\nnokey\n",
    });
    expect(produced.code).toBe(0);
    expect(produced.stderr).toMatch(/produced 4 record/);

    const formatted = await strata(["consume", "lines", "--from-beginning", "-e", "-f", "%k=%s|%h\\n"]);
    expect(formatted.code).toBe(0);
    const lines = formatted.stdout.trim().split("\n").sort();
    expect(lines).toEqual([
      "=nokey|src=cli,v=1",
      "alice=one|src=cli,v=1",
      "alice=three|src=cli,v=1",
      "bob=two|src=cli,v=1",
    ]);

    const json = await strata(["consume", "lines", "-o", "beginning", "-e", "--json"]);
    const records = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    const alice = records.filter((r) => r.key === "alice");
    expect(alice.map((r) => r.value)).toEqual(["one", "three"]); // same key, same partition, in order
    expect(alice[0].partition).toBe(alice[1].partition);
    expect(records[0]).toMatchObject({
      topic: "lines",
      headers: [
        { name: "src", value: "cli" },
        { name: "v", value: "1" },
      ],
    });
  });

  it("reads a file with a progress bar; -c, -o OFFSET, -p and s@TIMESTAMP select records", async () => {
    await strata(["topics", "create", "filed", "-p", "1"]);
    const dir = await mkdtemp(join(tmpdir(), "strata-cli-"));
    const file = join(dir, "in.txt");
    await writeFile(file, `${Array.from({ length: 500 }, (_, i) => `line-${i}`).join("\n")}\n`);
    const before = Date.now();
    const produced = await strata(["produce", "filed", file, "--progress", "-z", "gzip"]);
    expect(produced.code).toBe(0);
    expect(produced.stderr).toMatch(/\[#+\] 100%/);
    expect(produced.stderr).toMatch(/produced 500 record/);

    const firstThree = await strata(["consume", "filed", "-o", "beginning", "-c", "3"]);
    expect(firstThree.stdout).toBe("line-0\nline-1\nline-2\n");
    const fromOffset = await strata(["consume", "filed", "-p", "0", "-o", "497", "-e", "-f", "%o:%s\\n"]);
    expect(fromOffset.stdout).toBe("497:line-497\n498:line-498\n499:line-499\n");
    const fromTime = await strata(["consume", "filed", "-o", `s@${before - 60_000}`, "-c", "1"]);
    expect(fromTime.stdout).toBe("line-0\n");
    const future = await strata(["consume", "filed", "-o", `s@${Date.now() + 3_600_000}`, "-e"]);
    expect(future).toMatchObject({ code: 0, stdout: "" });
  });

  it("consumes with a group: commits, then describe shows lag, reset-offsets and delete work", async () => {
    await strata(["topics", "create", "grouped", "-p", "2"]);
    await strata(["produce", "grouped", "-K", ":"], { input: "a:1\nb:2\nc:3\nd:4\n" });
    const first = await strata(["consume", "grouped", "-g", "cli-group", "--from-beginning", "-e"]);
    expect(first.stdout.trim().split("\n").sort()).toEqual(["1", "2", "3", "4"]);
    // the group committed: nothing new for it now
    const again = await strata(["consume", "grouped", "-g", "cli-group", "--from-beginning", "-e"]);
    expect(again.stdout).toBe("");

    const listed = await strata(["groups", "list"]);
    expect(listed.stdout.split("\n")).toContain("cli-group");
    const described = await strata(["groups", "describe", "cli-group"]);
    expect(described.stdout).toMatch(/TOPIC\s+PARTITION\s+COMMITTED\s+HIGH-WATERMARK\s+LAG/);
    expect(described.stdout).toMatch(/grouped\s+0\s+\d+\s+\d+\s+0/);

    expect((await strata(["groups", "reset-offsets", "cli-group", "--to-earliest", "--execute"])).code).toBe(0);
    const replay = await strata(["consume", "grouped", "-g", "cli-group", "-e"]);
    expect(replay.stdout.trim().split("\n").sort()).toEqual(["1", "2", "3", "4"]);
    expect((await strata(["groups", "delete", "cli-group"])).code).toBe(0);
    expect((await strata(["groups", "list"])).stdout.split("\n")).not.toContain("cli-group");
  });

  it("bad input: one clear line, non-zero exit, no stack trace", async () => {
    expectOneLineError(
      await strata(["topics", "create", "x", "--partitions", "many"]),
      2,
      /--partitions: expected a non-negative integer/,
    );
    expectOneLineError(await strata(["consume", "nope", "-e"]), 1, /nope.*does not exist/);
    expectOneLineError(
      await strata(["consume", "lines", "-o", "middle"]),
      2,
      /-o: beginning, end, OFFSET, -N, s@TIME or e@TIME/,
    );
    expectOneLineError(await strata(["consume", "lines", "-f", "%q"]), 2, /unknown field %q/);
    expectOneLineError(await strata(["produce", "lines", "/no/such/file"]), 2, /cannot read \/no\/such\/file/);
    expectOneLineError(await strata(["topics", "create", "bad name!"]), 1, /topic name/);
    expectOneLineError(
      await strata(["topics", "list"], { env: { STRATA_URL: "http://127.0.0.1:2" } }),
      1,
      /^strata: GET \/v1\/topics: ECONNREFUSED/,
    );
    expectOneLineError(
      await strata(["groups", "reset-offsets", "g", "--to-datetime", "yesterday"]),
      2,
      /--to-datetime: ms since the epoch or an ISO 8601/,
    );
    const unknown = await strata(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
