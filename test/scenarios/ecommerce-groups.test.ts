/**
 * The e-commerce scenario of the Kafka overview, with consumer groups, over HTTP and with real processes:
 * an order service writes OrderEvents (6 partitions, keyed by customer id) while two groups consume it,
 * InventoryService with 3 member processes and NotificationService with 2 (ecommerce-groups-member.ts).
 * Mid-stream one InventoryService member is killed with SIGKILL. Its lease runs out, the group rebalances,
 * and the survivors resume from its commits.
 *
 * Checked from the members' output files (each processed record, each acknowledged commit):
 * - each group processed every event, with the key and value that were produced at that offset;
 * - each member processed each partition contiguously from where it was assigned, so each customer's events
 *   in offset (= production) order;
 * - NotificationService processed nothing twice; InventoryService's duplicates are exactly the records the
 *   killed member processed after its last successful commit, and the survivors started exactly there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { partitionForKey } from "../../lib/log/partitioner.js";
import type { MemberConfig } from "./ecommerce-groups-member.js";
import { type Client, client, startTestServer, type TestServer } from "./http-support.js";

const TOPIC = "OrderEvents";
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 3_000;
const GROUPS = { InventoryService: 3, NotificationService: 2 } as const;
type GroupName = keyof typeof GROUPS;
const CUSTOMERS = Array.from({ length: 24 }, (_, i) => `customer-${String(i + 1).padStart(2, "0")}`);
const STEPS = ["OrderPlaced", "PaymentReceived", "OrderPacked", "OrderShipped", "OrderDelivered"];
const MEMBER_SCRIPT = new URL("./ecommerce-groups-member.ts", import.meta.url).pathname;

let server: TestServer;
let api: Client;
let dir: string;
const members: Member[] = [];

beforeAll(async () => {
  // fsync never: this scenario is about group semantics, and fsyncs on a loaded disk only slow heartbeats
  server = await startTestServer({ fsync: "never" });
  api = client(server.url);
  dir = await mkdtemp(join(tmpdir(), "strata-ecommerce-groups-"));
});
afterAll(async () => {
  for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill("SIGKILL");
  await Promise.all(members.map((m) => m.exited));
  await server?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Member {
  group: GroupName;
  memberId: string;
  out: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** stdout and stderr, for failure messages */
  console: string[];
}

function spawnMember(group: GroupName, memberId: string): Member {
  const out = join(dir, `${memberId}.jsonl`);
  const config: MemberConfig = {
    url: server.url,
    group,
    topic: TOPIC,
    memberId,
    out,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatMs: 250,
    commitEvery: 4,
    workMs: 5,
    maxRecords: 3,
  };
  // node itself, not the tsx wrapper: SIGKILL must hit the process that holds the partitions
  const child = spawn(process.execPath, ["--import", "tsx", MEMBER_SCRIPT, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (d) => output.push(String(d)));
  child.stderr?.on("data", (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const m = { group, memberId, out, child, exited, console: output };
  members.push(m);
  return m;
}

interface Line {
  type: string;
  member: string;
  /** the member's wall clock when it wrote the line */
  t: number;
  partition?: number;
  offset?: number;
  from?: number;
  key?: string;
  value?: string;
  offsets?: { partition: number; offset: number }[];
}

/** The member's output; a line torn by SIGKILL (possible only at the very end) counts as not written. */
async function linesOf(m: Member): Promise<Line[]> {
  const text = await readFile(m.out, "utf8").catch(() => "");
  const out: Line[] = [];
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    try {
      out.push(JSON.parse(raw));
    } catch {
      // torn tail
    }
  }
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await diagnostics()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function diagnostics(): Promise<string> {
  const parts: string[] = [];
  for (const g of Object.keys(GROUPS)) parts.push(JSON.stringify((await api.get(`/v1/groups/${g}`)).body));
  for (const m of members) {
    const unusual = (await linesOf(m)).filter((l) => !["record", "commit", "commit-intent"].includes(l.type));
    parts.push(`${m.memberId}: ${JSON.stringify(unusual.slice(-12))} ${m.console.join("").slice(-2000)}`);
  }
  return parts.join("\n");
}

/** The group is Stable with this many members, together owning every partition. */
async function settled(group: GroupName, size: number): Promise<boolean> {
  const d = (await api.get(`/v1/groups/${group}`)).body;
  if (d.state !== "Stable" || d.members?.length !== size) return false;
  const owned = d.members.reduce((n: number, m: { assignments: unknown[] }) => n + m.assignments.length, 0);
  return owned === PARTITIONS;
}

/** Every partition committed up to its high watermark, which is what was produced to it. */
async function caughtUp(group: GroupName, produced: number[]): Promise<boolean> {
  const { offsets } = (await api.get(`/v1/groups/${group}/offsets`)).body;
  return (
    offsets.length === PARTITIONS &&
    offsets.every(
      (o: { partition: number; offset: number | null; highWatermark: number }) =>
        o.highWatermark === produced[o.partition] && o.offset === o.highWatermark,
    )
  );
}

interface Event {
  customer: string;
  seq: number;
  step: string;
  partition: number;
  offset: number;
}

/** The order service: round-robin over customers, a few events per request, until told to stop. */
async function produceUntil(events: Event[], done: () => boolean): Promise<void> {
  const next = new Map(CUSTOMERS.map((c) => [c, 0]));
  let turn = 0;
  while (!done()) {
    const batch = Array.from({ length: 4 }, () => {
      const customer = CUSTOMERS[turn++ % CUSTOMERS.length]!;
      const seq = next.get(customer)!;
      next.set(customer, seq + 1);
      return { customer, seq, step: STEPS[seq % STEPS.length]! };
    });
    const res = await api.post(`/v1/topics/${TOPIC}/records`, {
      records: batch.map((e) => ({ key: e.customer, value: JSON.stringify(e) })),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.failed).toBe(0);
    batch.forEach((e, i) => {
      events.push({ ...e, ...(res.body.offsets[i] as { partition: number; offset: number }) });
    });
    // a stream, not a burst: members read while it is being written
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Partitions the member holds at the end of its file (assigned and not revoked since). */
function heldAtEnd(lines: Line[]): Map<number, number> {
  const held = new Map<number, number>();
  for (const l of lines) {
    if (l.type === "assigned") held.set(l.partition!, l.from!);
    if (l.type === "revoked") held.delete(l.partition!);
  }
  return held;
}

/**
 * Per partition the killed member held: the offsets it may have committed last. Normally its last
 * acknowledged commit (or where it started, if it never committed); if SIGKILL landed while a commit was in
 * flight, the server may or may not have applied it, so the intent's offset is a second candidate.
 */
function lastCommitCandidates(lines: Line[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [partition, from] of heldAtEnd(lines)) {
    let acked = from;
    let pending: number | undefined;
    for (const l of lines) {
      if (l.type === "assigned" && l.partition === partition) acked = l.from!;
      const mine = l.offsets?.find((o) => o.partition === partition);
      if (!mine) continue;
      if (l.type === "commit-intent") pending = mine.offset;
      if (l.type === "commit") {
        acked = mine.offset;
        pending = undefined;
      }
      if (l.type === "commit-failed") pending = undefined;
    }
    out.set(partition, pending === undefined ? [acked] : [acked, pending]);
  }
  return out;
}

it("two groups of member processes each process every order event, and a SIGKILLed member's work resumes from its commits", async () => {
  // Prepare: the topic, keyed so that every partition has customers; then the members, until both groups settle.
  expect((await api.post("/v1/topics", { name: TOPIC, partitions: PARTITIONS })).status).toBe(201);
  const byPartition = new Set(CUSTOMERS.map((c) => partitionForKey(new TextEncoder().encode(c), PARTITIONS)));
  expect(byPartition.size).toBe(PARTITIONS);
  for (const [group, size] of Object.entries(GROUPS) as [GroupName, number][]) {
    for (let i = 1; i <= size; i++) spawnMember(group, `${group}-${i}`);
  }
  await until("both groups to settle", async () =>
    (await settled("InventoryService", 3)) && (await settled("NotificationService", 2)) ? true : undefined,
  );

  // Act: stream events; once the victim has processed records it has not committed yet, SIGKILL it.
  const victim = members.find((m) => m.memberId === "InventoryService-1")!;
  const events: Event[] = [];
  let killedAt: number | undefined;
  const producing = produceUntil(events, () => killedAt !== undefined && events.length >= killedAt + 80);
  // Aim for a kill with work in flight; after a while take any moment (the checks below are exact either way).
  const aimUntil = Date.now() + 15_000;
  await until("the victim to process records", async () => {
    const lines = await linesOf(victim);
    const records = lines.filter((l) => l.type === "record");
    const lastAck = lines.findLastIndex((l) => l.type === "commit");
    const uncommitted = lines.slice(lastAck + 1).filter((l) => l.type === "record").length;
    return records.length >= 8 && (uncommitted >= 2 || Date.now() > aimUntil) ? true : undefined;
  });
  const killTime = Date.now();
  victim.child.kill("SIGKILL");
  await victim.exited;
  killedAt = events.length;
  await producing;

  // The victim's lease ends after its session; the survivors take its partitions and catch up.
  const produced = Array.from({ length: PARTITIONS }, (_, p) => events.filter((e) => e.partition === p).length);
  await until(
    "both groups to settle and commit everything",
    async () =>
      (await settled("InventoryService", 2)) &&
      (await settled("NotificationService", 2)) &&
      (await caughtUp("InventoryService", produced)) &&
      (await caughtUp("NotificationService", produced))
        ? true
        : undefined,
    50_000,
  );
  const survivors = members.filter((m) => m !== victim);
  for (const m of survivors) m.child.kill("SIGTERM");
  await Promise.all(survivors.map((m) => m.exited));

  // Assess
  const context = await diagnostics();
  const byOffset = new Map(events.map((e) => [`${e.partition}/${e.offset}`, e]));
  for (const group of Object.keys(GROUPS) as GroupName[]) {
    const mine = members.filter((m) => m.group === group);
    const files = new Map<Member, Line[]>();
    for (const m of mine) files.set(m, await linesOf(m));
    const seen = new Map<string, number>();

    for (const [m, lines] of files) {
      // contiguous per partition from each assignment: in offset order, so in per-customer order
      const position = new Map<number, number>();
      const lastSeq = new Map<string, number>();
      for (const l of lines) {
        if (l.type === "assigned") position.set(l.partition!, l.from!);
        if (l.type !== "record") continue;
        const where = `${m.memberId} ${l.partition}/${l.offset}`;
        expect(l.offset, where).toBe(position.get(l.partition!));
        position.set(l.partition!, l.offset! + 1);
        const event = byOffset.get(`${l.partition}/${l.offset}`);
        expect(event, where).toBeDefined();
        expect(l.key, where).toBe(event!.customer);
        expect(JSON.parse(l.value!), where).toMatchObject({ customer: event!.customer, seq: event!.seq });
        expect(event!.seq, where).toBeGreaterThan(lastSeq.get(event!.customer) ?? -1);
        lastSeq.set(event!.customer, event!.seq);
        seen.set(`${l.partition}/${l.offset}`, (seen.get(`${l.partition}/${l.offset}`) ?? 0) + 1);
      }
    }

    // every event, nothing lost
    const missing = events.filter((e) => !seen.has(`${e.partition}/${e.offset}`));
    expect(missing, `${group} missed events\n${context}`).toEqual([]);

    const duplicates = [...seen].filter(([, n]) => n > 1);
    expect(
      duplicates.every(([, n]) => n === 2),
      `${group}: processed more than twice\n${context}`,
    ).toBe(true);
    if (group === "NotificationService") {
      expect(duplicates, `NotificationService duplicates\n${context}`).toEqual([]);
      continue;
    }

    // InventoryService: the duplicates are exactly the victim's records after its last successful commit
    const victimLines = files.get(victim)!;
    const candidates = lastCommitCandidates(victimLines);
    expect(candidates.size, "the victim held partitions when it was killed").toBeGreaterThan(0);
    const duplicated = new Set(duplicates.map(([k]) => k));
    for (const [partition, options] of candidates) {
      const actual = [...duplicated].filter((k) => k.startsWith(`${partition}/`)).map((k) => Number(k.split("/")[1]));
      const tailFrom = (c: number) =>
        victimLines
          .filter((l) => l.type === "record" && l.partition === partition && l.offset! >= c)
          .map((l) => l.offset);
      const matching = options.filter(
        (c) => JSON.stringify(tailFrom(c)) === JSON.stringify(actual.sort((a, b) => a - b)),
      );
      expect(
        matching,
        `partition ${partition}: duplicates ${actual}, commit candidates ${options}\n${context}`,
      ).not.toEqual([]);
      // the survivor that took the partition over started exactly at that commit
      const takeovers = [...files]
        .filter(([m]) => m !== victim)
        .flatMap(([, lines]) =>
          lines.filter((l) => l.type === "assigned" && l.partition === partition && l.t > killTime),
        );
      expect(takeovers, `partition ${partition} taken over once`).toHaveLength(1);
      expect(matching, `partition ${partition} taken over at its last commit`).toContain(takeovers[0]!.from);
    }
    const notVictims = [...duplicated].filter((k) => !candidates.has(Number(k.split("/")[0])));
    expect(notVictims, `duplicates outside the victim's partitions\n${context}`).toEqual([]);
    console.info(`${group}: ${events.length} events, ${duplicates.length} processed twice (the killed member's tail)`);
  }
}, 150_000);
