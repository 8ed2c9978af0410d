/**
 * Start-up of the local server: time from spawn until /healthz answers, and the resident memory of every process
 * the start command runs (read from /proc), for the built server (`node scripts/start.mjs`, what `npm start` runs)
 * against running the TypeScript through tsx (what `npm start` ran before the build step), alternated in one run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServer } from "../scripts/build.mjs";
import { now, percentile, round } from "./support.js";

const commands = {
  built: [process.execPath, "scripts/start.mjs"],
  tsx: [join("node_modules", ".bin", "tsx"), "lib/server/main.ts"],
} as const;

/** Resident kB of `pid` and all its descendants. */
function treeRssKb(pid: number): { processes: number; rssKb: number } {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rss.set(Number(name), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  let processes = 0;
  let rssKb = 0;
  const visit = (p: number) => {
    processes++;
    rssKb += rss.get(p) ?? 0;
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return { processes, rssKb };
}

async function once(kind: keyof typeof commands) {
  const dataDir = await mkdtemp(join(tmpdir(), "strata-bench-start-"));
  const [cmd, ...args] = commands[kind];
  const t0 = now();
  const child: ChildProcess = spawn(cmd, args, {
    env: { ...process.env, PORT: "0", STRATA_DATA_DIR: dataDir, STRATA_MAINTENANCE_INTERVAL_MS: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`${kind} start exited with ${code}`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = now() - t0;
    await new Promise((r) => setTimeout(r, 200)); // let start-up garbage settle before reading memory
    return { ms, ...treeRssKb(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchStart(quick: boolean) {
  await buildServer();
  const runs = quick ? 2 : 6;
  const seen = { built: [] as Awaited<ReturnType<typeof once>>[], tsx: [] as Awaited<ReturnType<typeof once>>[] };
  for (let i = 0; i < runs; i++) for (const kind of ["tsx", "built"] as const) seen[kind].push(await once(kind));
  const summary = (kind: keyof typeof seen) => ({
    healthyMsP50: round(
      percentile(
        seen[kind].map((r) => r.ms),
        50,
      ),
    ),
    rssMiBP50: round(
      percentile(
        seen[kind].map((r) => r.rssKb / 1024),
        50,
      ),
    ),
    processes: seen[kind][0]!.processes,
  });
  const built = summary("built");
  const tsx = summary("tsx");
  return {
    built,
    tsx,
    startTimeRatio: round(built.healthyMsP50 / tsx.healthyMsP50),
    rssRatio: round(built.rssMiBP50 / tsx.rssMiBP50),
  };
}
