/**
 * One consumer-group member as its own process, for the e-commerce scenario (ecommerce-groups.test.ts).
 * Run as `node --import tsx ecommerce-groups-member.ts '<json config>'`, so a SIGKILL hits this process itself.
 *
 * It speaks only HTTP: joins, heartbeats on its own timer, long-polls POST /v1/fetch for the partitions it
 * owns, "processes" each record by appending a line to its output file, and commits after every few records,
 * when it has nothing to read, and before it releases a revoked partition (commit-on-revoke, as Kafka's
 * consumers do). Every step that the test reasons about is a line in the output file:
 *
 *   {type:"assigned", partition, from}            it may own the partition now and starts at its committed offset
 *   {type:"record", partition, offset, key, value} processed
 *   {type:"commit-intent", offsets} then {type:"commit", offsets}   a commit sent, then acknowledged
 *   {type:"revoked", partition}                   released (after its commit)
 *   {type:"fenced", ...} / {type:"commit-failed", ...} / {type:"paused"}   anything that may cause duplicates
 *
 * Ownership follows docs/GROUPS.md: the member processes a partition only while it is listed in its last answer
 * and less than ownershipWindowMs(session) has passed since it sent its last successful heartbeat.
 */
import { appendFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface MemberConfig {
  url: string;
  group: string;
  topic: string;
  memberId: string;
  out: string;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  commitEvery: number;
  /** simulated work per record */
  workMs: number;
  maxRecords: number;
}

interface Owned {
  partition: number;
  /** next offset to process */
  position: number;
  /** last acknowledged commit */
  committed: number;
  revoked: boolean;
}

interface TopicPartition {
  topic: string;
  partition: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as MemberConfig;
const { url, group, topic } = config;
/** docs/GROUPS.md: a member keeps its partitions until 2/3 of the session after it sent its last good heartbeat */
const windowMs = Math.floor((config.sessionTimeoutMs * 2) / 3);

let memberId = config.memberId;
let memberEpoch = 0;
let lastOkSentAt = Number.NEGATIVE_INFINITY;
let stopping = false;
let rejoins = 0;
const owned = new Map<number, Owned>();
let commitChain: Promise<void> = Promise.resolve();
let uncommitted = 0;

const log = (entry: Record<string, unknown>) =>
  appendFileSync(config.out, `${JSON.stringify({ ...entry, group, member: memberId, t: Date.now() })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const windowOpen = () => performance.now() - lastOkSentAt < windowMs;
const groupPath = `/v1/groups/${encodeURIComponent(group)}`;

async function call(method: string, path: string, body?: unknown, timeoutMs = 15_000) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers; this script checks the fields it uses
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function join(): Promise<void> {
  for (;;) {
    const sentAt = performance.now();
    const res = await call("POST", `${groupPath}/members`, {
      topics: [topic],
      sessionTimeoutMs: config.sessionTimeoutMs,
      memberId,
    }).catch((e: unknown) => ({ status: 0, body: String(e) }));
    if (res.status === 200) {
      memberEpoch = res.body.memberEpoch;
      lastOkSentAt = sentAt;
      log({ type: "joined", memberEpoch });
      await applyAssignment(res.body.assignments);
      return;
    }
    log({ type: "join-failed", status: res.status, body: res.body });
    await sleep(200);
  }
}

/** The answer lists what the member may own now: release what is gone (after committing it), take what is new. */
async function applyAssignment(assignments: TopicPartition[]): Promise<void> {
  const listed = new Set(assignments.filter((a) => a.topic === topic).map((a) => a.partition));
  const revoked = [...owned.values()].filter((o) => !listed.has(o.partition));
  for (const o of revoked) o.revoked = true;
  if (revoked.length > 0) {
    await commit(revoked.map((o) => o.partition));
    for (const o of revoked) {
      owned.delete(o.partition);
      log({ type: "revoked", partition: o.partition, position: o.position, committed: o.committed });
    }
  }
  const added = [...listed].filter((p) => !owned.has(p));
  if (added.length === 0) return;
  const res = await call("GET", `${groupPath}/offsets`);
  if (res.status !== 200) throw new Error(`GET offsets: ${res.status} ${JSON.stringify(res.body)}`);
  for (const partition of added.sort((a, b) => a - b)) {
    const c = res.body.offsets.find((o: TopicPartition) => o.topic === topic && o.partition === partition);
    const from: number = c?.offset ?? 0;
    owned.set(partition, { partition, position: from, committed: from, revoked: false });
    log({ type: "assigned", partition, from });
  }
}

/** Commits are serialized, so an older position can never overwrite a newer one. */
function commit(only?: number[]): Promise<void> {
  commitChain = commitChain.then(async () => {
    const due = [...owned.values()].filter(
      (o) => o.position > o.committed && (only === undefined || only.includes(o.partition)),
    );
    if (due.length === 0) return;
    const offsets = due.map((o) => ({ topic, partition: o.partition, offset: o.position }));
    log({ type: "commit-intent", offsets });
    const res = await call("POST", `${groupPath}/offsets`, { memberId, memberEpoch, offsets }).catch((e: unknown) => ({
      status: 0,
      body: String(e),
    }));
    if (res.status !== 200) {
      log({ type: "commit-failed", status: res.status, body: res.body, offsets });
      return;
    }
    for (const [i, o] of due.entries()) o.committed = Math.max(o.committed, offsets[i]!.offset);
    if (only === undefined) uncommitted = 0;
    log({ type: "commit", offsets });
  });
  return commitChain;
}

async function heartbeatLoop(): Promise<void> {
  while (!stopping) {
    const sentAt = performance.now();
    const owning = [...owned.keys()].map((partition) => ({ topic, partition }));
    const res = await call("POST", `${groupPath}/members/${memberId}/heartbeat`, { memberEpoch, owned: owning }).catch(
      (e: unknown) => ({ status: 0, body: String(e) }),
    );
    if (stopping) return;
    if (res.status === 200) {
      lastOkSentAt = sentAt;
      memberEpoch = res.body.memberEpoch;
      await applyAssignment(res.body.assignments);
    } else if (res.status === 409 && res.body?.action === "rejoin") {
      // Whatever this member processed since its last commit will be processed again by the new owner.
      log({ type: "fenced", status: res.status, body: res.body, owned: [...owned.keys()] });
      owned.clear();
      memberId = `${config.memberId}-r${++rejoins}`;
      await join();
    } else {
      log({ type: "heartbeat-failed", status: res.status, body: res.body });
    }
    await sleep(config.heartbeatMs);
  }
}

async function processLoop(): Promise<void> {
  while (!stopping) {
    const reading = [...owned.values()].filter((o) => !o.revoked);
    if (reading.length === 0 || !windowOpen()) {
      await sleep(50);
      continue;
    }
    const asked = new Map(reading.map((o) => [o.partition, o.position]));
    const res = await call("POST", "/v1/fetch", {
      partitions: reading.map((o) => ({ topic, partition: o.partition, offset: o.position })),
      maxWaitMs: 500,
      maxRecords: config.maxRecords,
    }).catch((e: unknown) => ({ status: 0, body: String(e) }));
    if (res.status !== 200) {
      log({ type: "fetch-failed", status: res.status, body: res.body });
      await sleep(100);
      continue;
    }
    let processed = 0;
    for (const p of res.body.partitions) {
      for (const r of p.records ?? []) {
        const o = owned.get(p.partition);
        // Stop at a revocation, a window that closed, or a position that moved (re-assigned meanwhile).
        if (!o || o.revoked || o.position !== asked.get(p.partition) || r.offset !== o.position) break;
        if (!windowOpen()) {
          log({ type: "paused", partition: p.partition, offset: r.offset });
          break;
        }
        if (config.workMs > 0) await sleep(config.workMs);
        if (o.revoked || owned.get(p.partition) !== o) break;
        log({ type: "record", topic, partition: p.partition, offset: r.offset, key: r.key, value: r.value });
        o.position = r.offset + 1;
        asked.set(p.partition, o.position);
        processed++;
        if (++uncommitted >= config.commitEvery) await commit();
      }
    }
    if (processed === 0 && uncommitted > 0) await commit();
  }
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await commit();
  await call("DELETE", `${groupPath}/members/${memberId}`).catch(() => undefined);
  log({ type: "left" });
  process.exit(0);
}

process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

await join();
await Promise.all([heartbeatLoop(), processLoop()]);
