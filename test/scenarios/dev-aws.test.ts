/**
 * `npm run dev:aws` as a user runs it: it starts DynamoDB Local, s3rver and the server on the AWS backend on free
 * ports; records produced through it are fetched back; Ctrl-C (SIGINT to its process group, as a terminal sends
 * it) stops the server and both emulators, leaving no child process behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { client } from "./http-support.js";

const ROOT = new URL("../..", import.meta.url).pathname;
let child: ChildProcess | undefined;

afterEach(() => {
  // a failed test must not leave the emulators running
  try {
    if (child?.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group is gone: nothing left running
  }
});

/** Every live process below `pid` (from /proc: Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== "Z";
  } catch {
    return false;
  }
};

describe("npm run dev:aws", () => {
  it("serves the API over DynamoDB Local and s3rver, and Ctrl-C stops all three", async () => {
    child = spawn("npm", ["run", "dev:aws"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: "0",
        STRATA_LOG_LEVEL: "warn",
        AWS_ENDPOINT_URL: "",
        AWS_ENDPOINT_URL_S3: "",
        AWS_ENDPOINT_URL_DYNAMODB: "",
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", (b) => {
      output += b;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on("data", (b) => {
        output += b;
        const m = /Strata listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      });
      child!.once("exit", (code) => reject(new Error(`dev:aws exited with ${code}:\n${output}`)));
    });
    expect(output).toMatch(/aws backend: table strata-dev, bucket strata-dev/);

    const api = client(url);
    expect((await api.get("/readyz")).status).toBe(200);
    expect((await api.post("/v1/topics", { name: "dev", partitions: 1 })).status).toBe(201);
    const produced = await api.post("/v1/topics/dev/partitions/0/records", { records: [{ value: "on aws" }] });
    expect(produced.body.offsets).toEqual([{ partition: 0, offset: 0 }]);
    const fetched = await api.get("/v1/topics/dev/partitions/0/records?offset=0");
    expect(fetched.body.records[0].value).toBe("on aws");

    const children = descendants(child.pid!); // sh, node (the dev server), java and s3rver's node
    const commands = children.map((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " "));
    expect(commands.some((c) => c.includes("DynamoDBLocal.jar"))).toBe(true);
    expect(commands.some((c) => c.includes("s3rver"))).toBe(true);

    const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
    process.kill(-child.pid!, "SIGINT");
    await exited; // npm itself (it may die of the signal: what counts is what it ran)
    const deadline = Date.now() + 10_000;
    while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(children.filter(alive)).toEqual([]);
    expect(output).toContain("SIGINT: stopping the server, DynamoDB Local and s3rver");
  }, 120_000);
});
