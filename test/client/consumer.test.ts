/**
 * The SDK consumer against a real local server: standalone reads with seek and pause/resume, a group of in-process
 * consumers with rebalance callbacks, and a group of 3 member processes where one is killed (SIGKILL) mid-stream.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Consumer, type Message, Strata, type TopicPartition } from "../../client/src/index.js";
import { BATCHES_MEDIA_TYPE } from "../../lib/contract.js";
import { decodeFetchFrames } from "../../lib/format/fetch-frames.js";
import { readBatchHeader } from "../../lib/format/record-batch.js";
import { Compression } from "../../lib/format/types.js";
import { startTestServer, type TestServer } from "./support.js";

let srv: TestServer;
let strata: Strata;
beforeAll(async () => {
  srv = await startTestServer();
  strata = new Strata({ url: srv.url });
});
afterAll(async () => {
  await srv.close();
});

async function until(check: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function produce(topic: string, n: number, partitions: number, prefix = "v"): Promise<string[]> {
  const producer = strata.producer({ lingerMs: 5 });
  const values = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await producer.send(
    topic,
    values.map((value, i) => ({ key: `k${i % (partitions * 3)}`, value })),
  );
  await producer.close();
  return values;
}

describe("standalone consumer (assign)", () => {
  it("reads every partition in order, seeks back, pauses and resumes", async () => {
    // Prepare
    await strata.admin().createTopic("plain", { partitions: 2 });
    await produce("plain", 40, 2);
    const seen: { partition: number; offset: number; value: string }[] = [];
    const consumer = strata.consumer({ maxWaitMs: 200 });
    consumer.assign([
      { topic: "plain", partition: 0, offset: "earliest" },
      { topic: "plain", partition: 1, offset: "earliest" },
    ]);

    // Act + Assess: everything, each partition in offset order
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        seen.push({ partition, offset: message.offset, value: message.value!.toString() });
      },
    });
    await until(() => seen.length === 40, 10_000, "40 records");
    for (const p of [0, 1]) {
      const offsets = seen.filter((s) => s.partition === p).map((s) => s.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }

    // seek: partition 0 again from offset 2
    const p0 = seen.filter((s) => s.partition === 0).length;
    consumer.seek({ topic: "plain", partition: 0, offset: 2 });
    await until(() => seen.length === 40 + p0 - 2, 10_000, "re-read after seek");
    expect(seen.slice(40).map((s) => s.offset)).toEqual(Array.from({ length: p0 - 2 }, (_, i) => i + 2));

    // pause partition 1: new records there wait until resume
    consumer.pause([{ topic: "plain", partition: 1 }]);
    const before = seen.length;
    const producer = strata.producer();
    await producer.send("plain", [{ value: "late", partition: 1 }]);
    await producer.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.length).toBe(before);
    consumer.resume([{ topic: "plain", partition: 1 }]);
    await until(() => seen.some((s) => s.value === "late"), 10_000, "the record after resume");
    await consumer.close();
    await consumer.stopped();
  });

  it("reads what a producer with compression zstd wrote, and the stored batches are zstd", async () => {
    await strata.admin().createTopic("zstd-sdk", { partitions: 1 });
    const producer = strata.producer({ lingerMs: 20, compression: "zstd" });
    const values = Array.from({ length: 300 }, (_, i) => `zstd record ${i} `.repeat(5));
    await producer.send(
      "zstd-sdk",
      values.map((value) => ({ value, partition: 0 })),
    );
    await producer.close();
    const res = await fetch(`${srv.url}/v1/fetch`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: BATCHES_MEDIA_TYPE },
      body: JSON.stringify({ partitions: [{ topic: "zstd-sdk", partition: 0, offset: 0 }] }),
    });
    const [frame] = decodeFetchFrames(new Uint8Array(await res.arrayBuffer()));
    expect(readBatchHeader(frame!.batches).compression).toBe(Compression.zstd);
    const got: string[] = [];
    const consumer = strata.consumer({ maxWaitMs: 100 });
    consumer.assign([{ topic: "zstd-sdk", partition: 0, offset: "earliest" }]);
    await consumer.run({ eachMessage: ({ message }) => void got.push(message.value!.toString()) });
    await until(() => got.length === values.length, 10_000, "every zstd record");
    await consumer.close();
    expect(got).toEqual(values);
  });

  it("starts at a timestamp", async () => {
    await strata.admin().createTopic("timed", { partitions: 1 });
    const producer = strata.producer();
    await producer.send("timed", [
      { value: "old", timestamp: 1_000 },
      { value: "new", timestamp: 5_000 },
    ]);
    await producer.close();
    const got: string[] = [];
    const consumer = strata.consumer({ maxWaitMs: 100 });
    consumer.assign([{ topic: "timed", partition: 0, offset: { timestamp: 2_000 } }]);
    await consumer.run({ eachMessage: ({ message }) => void got.push(message.value!.toString()) });
    await until(() => got.length === 1);
    await consumer.close();
    expect(got).toEqual(["new"]);
  });
});

describe("consumer group", () => {
  it("auto-commits on its interval inside a long batch, as kafkajs does", async () => {
    await strata.admin().createTopic("long-batch", { partitions: 1 });
    await produce("long-batch", 60, 1, "lb-");
    let handled = 0;
    let committedMidBatch = false;
    const consumer = strata.consumer({
      groupId: "g-long-batch",
      autoOffsetReset: "earliest",
      autoCommitIntervalMs: 50,
      maxWaitMs: 100,
      onCommit: (offsets) => {
        // a commit while the first fetch's 60 records are still being handled
        if (handled < 60 && offsets.some((o) => o.offset > 0)) committedMidBatch = true;
      },
    });
    consumer.subscribe({ topics: ["long-batch"] });
    await consumer.run({
      eachMessage: async () => {
        handled++;
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    await until(() => handled === 60, 20_000, "all 60 handled");
    await consumer.close();
    expect(committedMidBatch).toBe(true);
    const [offset] = await strata.admin().fetchOffsets("g-long-batch");
    expect(offset?.offset).toBe(60);
  });

  it("rebalances incrementally with callbacks, commits on revoke, and processes each record once", async () => {
    // Prepare
    await strata.admin().createTopic("shared", { partitions: 4 });
    const events: string[] = [];
    const processed: Message[] = [];
    const member = (name: string): Consumer =>
      strata.consumer({
        groupId: "g-shared",
        sessionTimeoutMs: 3000,
        autoOffsetReset: "earliest",
        maxWaitMs: 200,
        onAssigned: (tps) => void events.push(`${name}+${parts(tps)}`),
        onRevoked: (tps) => void events.push(`${name}-${parts(tps)}`),
      });
    const run = (c: Consumer) => c.run({ eachMessage: ({ message }) => void processed.push(message) });
    const a = member("a");
    a.subscribe({ topics: ["shared"] });
    await run(a);
    await until(() => a.assignment().length === 4, 10_000, "a owns all");
    const first = await produce("shared", 100, 4, "first-");
    await until(() => processed.length === 100, 10_000, "first 100");

    // Act: a second member joins
    const b = member("b");
    b.subscribe({ topics: ["shared"] });
    await run(b);
    await until(() => a.assignment().length === 2 && b.assignment().length === 2, 15_000, "a 2 / b 2");
    const second = await produce("shared", 100, 4, "second-");
    await until(() => processed.length === 200, 10_000, "second 100");

    // Assess: disjoint halves, a's revocation before b's assignment, nothing processed twice
    const owned = [...a.assignment(), ...b.assignment()].map((t) => t.partition).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    expect(events[0]).toBe("a+0,1,2,3");
    const revoked = events.findIndex((e) => e.startsWith("a-"));
    const assignedB = events.findIndex((e) => e.startsWith("b+"));
    expect(revoked).toBeGreaterThan(0);
    expect(assignedB).toBeGreaterThan(revoked);
    expect(processed.map((m) => m.value!.toString()).sort()).toEqual([...first, ...second].sort());

    // b leaves: a takes everything back, and the group's commits reach the end
    await b.close();
    await until(() => a.assignment().length === 4, 15_000, "a owns all again");
    await a.close();
    expect(events.at(-1)).toBe("a-0,1,2,3");
    const offsets = await strata.admin().fetchOffsets("g-shared");
    expect(offsets.map((o) => o.lag)).toEqual([0, 0, 0, 0]);
  });

  it("3 member processes, one killed mid-stream: nothing lost, duplicates are exactly its records after its last commit", async () => {
    // Prepare
    const topic = "orders-kill";
    await strata.admin().createTopic(topic, { partitions: 6 });
    const values = await produce(topic, 900, 6, "o");
    const members = [
      spawnMember(srv.url, "g-kill", topic),
      spawnMember(srv.url, "g-kill", topic),
      spawnMember(srv.url, "g-kill", topic),
    ];
    try {
      await until(() => members.every((m) => m.processed.length > 20), 30_000, "all three processing");

      // Act: kill one while it is processing
      const victim = members[0]!;
      victim.child.kill("SIGKILL");
      await new Promise((r) => victim.child.once("exit", r));
      const survivors = members.slice(1);
      const all = () => members.flatMap((m) => m.processed);
      await until(() => new Set(all().map((p) => p.value)).size === values.length, 60_000, "every record processed");
      // The victim may have processed everything before it died: wait until the survivors have taken over its
      // partitions and committed to the end, so every record it left uncommitted has been processed again.
      const admin = strata.admin();
      let settled = false;
      const deadline = Date.now() + 60_000;
      while (!settled && Date.now() < deadline) {
        const offsets = await admin.fetchOffsets("g-kill");
        settled = offsets.length === 6 && offsets.every((o) => o.lag === 0);
        if (!settled) await new Promise((r) => setTimeout(r, 100));
      }
      expect(settled, "the survivors committed every partition to its end").toBe(true);
      for (const m of survivors) m.child.kill("SIGTERM");
      await Promise.all(survivors.map((m) => new Promise((r) => m.child.once("exit", r))));

      // Assess: nothing lost
      const seen = new Map<string, number>();
      for (const p of all()) seen.set(`${p.partition}/${p.offset}`, (seen.get(`${p.partition}/${p.offset}`) ?? 0) + 1);
      expect(new Set(all().map((p) => p.value))).toEqual(new Set(values));
      // duplicates: exactly what the victim processed at or after its last commit of each partition (the last
      // accepted commit, or the one in flight when it died, whose outcome it never learned)
      const duplicates = [...seen]
        .filter(([, n]) => n > 1)
        .map(([k]) => k)
        .sort();
      expect([...seen.values()].every((n) => n <= 2)).toBe(true);
      const expectedFor = (commits: Map<number, number>) =>
        victim.processed
          .filter((p) => p.offset >= (commits.get(p.partition) ?? 0))
          .filter((p) => victim.everOwned.has(p.partition))
          .map((p) => `${p.partition}/${p.offset}`)
          .sort();
      const candidates = [expectedFor(victim.accepted), expectedFor(victim.attempted)];
      expect(candidates).toContainEqual(duplicates);
      console.info(`kill test: ${duplicates.length} duplicate(s), all processed by the victim after its last commit`);
      // survivors lost nothing to each other: every duplicate is one of the victim's records
      for (const d of duplicates) expect(victim.processed.some((p) => `${p.partition}/${p.offset}` === d)).toBe(true);
    } finally {
      for (const m of members) if (m.child.exitCode === null) m.child.kill("SIGKILL");
    }
  }, 120_000);
});

const parts = (tps: TopicPartition[]) =>
  tps
    .map((t) => t.partition)
    .sort()
    .join(",");

interface MemberProcess {
  child: ChildProcess;
  lines: string[];
  processed: { partition: number; offset: number; value: string }[];
  /** last accepted / last attempted commit per partition */
  accepted: Map<number, number>;
  attempted: Map<number, number>;
  everOwned: Set<number>;
}

function spawnMember(url: string, group: string, topic: string): MemberProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "test/client/group-member.ts", url, group, topic], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const m: MemberProcess = {
    child,
    lines: [],
    processed: [],
    accepted: new Map(),
    attempted: new Map(),
    everOwned: new Set(),
  };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    m.lines.push(line);
    const [kind, a, b, c] = line.split(" ");
    if (kind === "P") m.processed.push({ partition: Number(a), offset: Number(b), value: c! });
    if (kind === "A") for (const p of a!.split(",")) m.everOwned.add(Number(p));
    if (kind === "C" || kind === "c") {
      for (const pair of a!.split(",")) {
        const [p, o] = pair.split(":").map(Number) as [number, number];
        (kind === "C" ? m.accepted : m.attempted).set(p, o);
      }
    }
  });
  return m;
}
