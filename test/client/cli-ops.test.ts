/**
 * The CLI at kcat / Kafka console tools level, through the installed binary against a real local server: --version,
 * --json on lists, topics create --if-not-exists, delete-records, produce input formats (-D, --json with base64,
 * --base64), consume offsets (-o -N, s@/e@ with ms or ISO times, --ago), several topics with -g, and
 * groups reset-offsets as a dry run unless --execute, with every Kafka target.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../../client/src/index.js";
import { buildCli, expectOneLineError, jsonLines, type Run, runCli } from "./cli-support.js";
import { startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
let sdk: Strata;
beforeAll(async () => {
  buildCli();
  srv = await startTestServer();
  sdk = new Strata({ url: srv.url });
});
afterAll(async () => {
  await srv.close();
});

const strata = (args: string[], input?: string): Promise<Run> => runCli(srv.url, args, { input });
const lines = (r: Run) => r.stdout.trim().split("\n").filter(Boolean);

/**
 * Three hours ago, on a whole second: records stamped from here are older than --ago 1h yet well inside the default
 * retention (stamps near 1970 would be removed by the server's retention while the test runs).
 */
const BASE = Math.floor((Date.now() - 3 * 3_600_000) / 1000) * 1000;
const iso = (ms: number) => new Date(BASE + ms).toISOString();

/** Records at BASE + each of `times` through produce --json (partition 0): value `t<time>`. */
async function timed(topic: string, times: number[]) {
  await strata(["topics", "create", topic, "-p", "1"]);
  const input = times.map((t) => JSON.stringify({ value: `t${t}`, timestamp: BASE + t })).join("\n");
  expect((await strata(["produce", topic, "--json"], input)).code).toBe(0);
}

describe("strata CLI: day-2 operations", () => {
  it("--version, --json lists, and topics create --if-not-exists", async () => {
    const version = await strata(["--version"]);
    const pkg = JSON.parse(readFileSync("client/package.json", "utf8"));
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    expect((await strata(["topics", "create", "once", "-p", "2"])).code).toBe(0);
    const again = await strata(["topics", "create", "once", "-p", "2", "--if-not-exists"]);
    expect(again).toMatchObject({ code: 0, stdout: "topic once already exists\n" });
    expectOneLineError(await strata(["topics", "create", "once"]), 1, /once.*already exists/);

    expect(JSON.parse((await strata(["topics", "list", "--json"])).stdout).topics).toContain("once");
    await strata(["produce", "once"], "x\n");
    await strata(["consume", "once", "-g", "json-g", "--from-beginning", "-e"]);
    expect(JSON.stringify(JSON.parse((await strata(["groups", "list", "--json"])).stdout).groups)).toMatch(/json-g/);
    const described = JSON.parse((await strata(["groups", "describe", "json-g", "--json"])).stdout);
    expect(described).toMatchObject({ group: "json-g", offsets: expect.any(Array) });
  });

  it("produce reads -D delimited records, JSON lines (base64 fields, headers, partition) and base64", async () => {
    await strata(["topics", "create", "formats", "-p", "2"]);
    expect((await strata(["produce", "formats", "-p", "0", "-D", ";"], "a;b;c")).stderr).toMatch(/produced 3 record/);
    expect((await strata(["produce", "formats", "-p", "0", "-D", "\\0", "-K", "="], "k=v\0k2=v2\0")).code).toBe(0);
    const binary = Buffer.from([0xff, 0x00, 0x41]).toString("base64");
    const json = [
      JSON.stringify({ key: "j", value: binary, base64: ["value"], headers: { h: "1" }, partition: 1 }),
      JSON.stringify({ key: null, value: { nested: true }, headers: [{ name: "a", value: "b" }], partition: 1 }),
    ].join("\n");
    expect((await strata(["produce", "formats", "--json", "-H", "src=cli"], json)).code).toBe(0);
    const b64 = `${Buffer.from("key").toString("base64")}:${Buffer.from("välue").toString("base64")}\n`;
    expect((await strata(["produce", "formats", "-p", "0", "--base64", "-K", ":"], b64)).code).toBe(0);

    const p0 = await strata(["consume", "formats", "-p", "0", "-o", "beginning", "-e", "-f", "%k|%s\\n"]);
    expect(lines(p0)).toEqual(["|a", "|b", "|c", "k|v", "k2|v2", "key|välue"]);
    const p1 = jsonLines(await strata(["consume", "formats", "-p", "1", "-o", "beginning", "-e", "--json"]));
    expect(p1).toMatchObject([
      {
        key: "j",
        value: binary,
        base64: ["value"],
        headers: [
          { name: "h", value: "1" },
          { name: "src", value: "cli" },
        ],
      },
      { key: null, value: '{"nested":true}', headers: [{ name: "a", value: "b" }, { name: "src" }] },
    ]);

    // consume --json output produces again, byte for byte
    await strata(["topics", "create", "formats-copy", "-p", "2"]);
    const dump = await strata(["consume", "formats", "-o", "beginning", "-e", "--json"]);
    expect((await strata(["produce", "formats-copy", "--json"], dump.stdout)).code).toBe(0);
    const copy = await strata(["consume", "formats-copy", "-o", "beginning", "-e", "--json"]);
    const strip = (r: Record<string, unknown>) => ({ ...r, topic: undefined });
    expect(jsonLines(copy).map(strip).sort(byPlace)).toEqual(jsonLines(dump).map(strip).sort(byPlace));

    expectOneLineError(
      await strata(["produce", "formats", "--json"], '{"value":"ok"}\n{nope\n'),
      1,
      /record 2: not JSON/,
    );
    expectOneLineError(await strata(["produce", "formats", "--base64"], "***\n"), 1, /record 1: the value: not base64/);
    expectOneLineError(await strata(["produce", "formats", "--json", "-K", ":"]), 2, /--json: the key is a field/);
  });

  it("consume -o -N, s@ and e@ (ms or ISO 8601), --ago, and delete-records", async () => {
    await timed("clock", [1000, 2000, 3000, 4000, 5000]);
    const at = (args: string[]) => strata(["consume", "clock", "-e", "-f", "%s\\n", ...args]);
    expect(lines(await at(["-o", "-2"]))).toEqual(["t4000", "t5000"]);
    expect(lines(await at(["-o", "-99"]))).toHaveLength(5);
    expect(lines(await at(["-o", `s@${BASE + 2000}`, "-o", `e@${BASE + 4000}`]))).toEqual(["t2000", "t3000"]);
    expect(lines(await at(["-o", `s@${iso(2500)}`]))).toEqual(["t3000", "t4000", "t5000"]);
    // e@ alone (from the end is empty) and e@ before every record: both end at once
    const window = ["consume", "clock", "-o", "beginning", "-o", `e@${iso(1500)}`, "-f", "%s\\n"];
    expect((await strata(window)).stdout).toBe("t1000\n");
    expect((await strata(["consume", "clock", "-o", `e@${BASE + 500}`])).stdout).toBe("");

    const now = Date.now();
    await strata(["produce", "clock", "--json"], JSON.stringify({ value: "recent", timestamp: now - 60_000 }));
    expect(lines(await at(["--ago", "1h"]))).toEqual(["recent"]);
    expect(lines(await at(["--ago", "PT2M"]))).toEqual(["recent"]);
    expectOneLineError(await at(["--ago", "soon"]), 2, /--ago: a duration such as 1h/);
    expectOneLineError(await at(["--ago", "1h", "-o", "beginning"]), 2, /give one start/);

    const deleted = await strata(["topics", "delete-records", "clock", "--before", "2"]);
    expect(deleted.stdout).toMatch(/PARTITION\s+LOG-START\n0\s+2\n/);
    expect(lines(await at(["-o", "beginning"]))).toEqual(["t3000", "t4000", "t5000", "recent"]);
    const all = JSON.parse((await strata(["topics", "delete-records", "clock", "--before", "end", "--json"])).stdout);
    expect(all).toEqual({ topic: "clock", partitions: [{ partition: 0, lowWatermark: 6 }] });
    expectOneLineError(
      await strata(["topics", "delete-records", "clock", "--before", "x"]),
      2,
      /--before: an offset or end/,
    );
  });

  it("-g reads several topics as one member and commits each", async () => {
    await strata(["topics", "create", "multi-a", "-p", "2"]);
    await strata(["topics", "create", "multi-b", "-p", "1"]);
    await strata(["produce", "multi-a"], "a1\na2\na3\n");
    await strata(["produce", "multi-b"], "b1\nb2\n");
    const r = await strata([
      "consume",
      "multi-a",
      "multi-b",
      "-g",
      "multi",
      "--from-beginning",
      "-e",
      "-f",
      "%t:%s\\n",
    ]);
    expect(lines(r).sort()).toEqual(["multi-a:a1", "multi-a:a2", "multi-a:a3", "multi-b:b1", "multi-b:b2"]);
    const offsets = await sdk.admin().fetchOffsets("multi");
    expect(offsets.map((o) => `${o.topic}/${o.partition} lag ${o.lag}`).sort()).toEqual([
      "multi-a/0 lag 0",
      "multi-a/1 lag 0",
      "multi-b/0 lag 0",
    ]);
    expectOneLineError(await strata(["consume", "multi-a", "multi-b", "-p", "0"]), 2, /-p: only with a single topic/);
  });

  it("groups reset-offsets prints the plan and changes nothing unless --execute, for every Kafka target", async () => {
    await timed("resets", [1000, 2000, 3000, 4000, 5000]);
    await sdk.admin().commitOffsets("rg", [{ topic: "resets", partition: 0, offset: 3 }]);
    const committed = async () => (await sdk.admin().fetchOffsets("rg"))[0]!.offset;
    const reset = (args: string[]) => strata(["groups", "reset-offsets", "rg", ...args]);

    const dry = await reset(["--to-earliest"]);
    expect(dry.stdout).toMatch(/TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+NEW-OFFSET\nresets\s+0\s+3\s+0\n/);
    expect(dry.stderr).toMatch(/dry run: nothing changed; add --execute/);
    expect(await committed()).toBe(3);

    const plan = async (args: string[]) => JSON.parse((await reset([...args, "--json"])).stdout).offsets[0].offset;
    expect(await plan(["--to-latest"])).toBe(5);
    expect(await plan(["--to-offset", "4"])).toBe(4);
    expect(await plan(["--to-offset", "99"])).toBe(5); // clamped to the high watermark
    expect(await plan(["--shift-by", "-2"])).toBe(1);
    expect(await plan(["--shift-by", "+9"])).toBe(5);
    expect(await plan(["--to-datetime", iso(2500)])).toBe(2);
    expect(await plan(["--to-datetime", String(BASE + 4000)])).toBe(3);
    expect(await plan(["--by-duration", "1h"])).toBe(5); // every record is older than an hour
    expect(await plan(["--to-earliest", "--topic", "resets:0"])).toBe(0);
    expect(await committed()).toBe(3);

    const executed = await reset(["--shift-by", "-1", "--execute"]);
    expect(executed.stderr).toBe("");
    expect(executed.stdout).toMatch(/resets\s+0\s+3\s+2\n/);
    expect(await committed()).toBe(2);

    expectOneLineError(await reset([]), 2, /give exactly one of --to-earliest/);
    expectOneLineError(await reset(["--to-earliest", "--to-latest"]), 2, /exactly one/);
    expectOneLineError(await reset(["--shift-by", "back"]), 2, /--shift-by: an integer/);
    expectOneLineError(await reset(["--to-earliest", "--topic", "resets:7"]), 2, /has no partition 7/);
  });

  it("exit codes: 0 done, 1 service error, 2 usage", async () => {
    expect((await strata(["topics", "list"])).code).toBe(0);
    expectOneLineError(await strata(["topics", "describe", "missing"]), 1, /missing/);
    expect((await strata(["topics", "list", "--bogus"])).code).toBe(2);
    expect((await strata(["consume"])).code).toBe(2);
  });
});

function byPlace(a: Record<string, unknown>, b: Record<string, unknown>): number {
  return (a.partition as number) - (b.partition as number) || (a.offset as number) - (b.offset as number);
}
