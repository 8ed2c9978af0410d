/**
 * Crash between steps: a fault injected before and after every storage call of a produce, on both backends.
 * "before": the call never reached storage. "after": storage applied it and the caller saw an error (the
 * dangerous case). Whatever happens, the log must never hold a hole, a duplicate or half a request, and a retry
 * by an idempotent producer must leave each record exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StrataError } from "../../lib/errors.js";
import { createLog } from "../../lib/log/log.js";
import { backends, type TestStorage } from "../support/backends.js";
import { type FaultDecision, instrument, type PortCall } from "../support/instrument.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
let n = 0;
const topicName = () => `faults-${Date.now().toString(36)}-${n++}`;

describe.each(backends)("produce under injected faults on $name", (backend) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(() => storage.cleanup());

  /** Each partition's records in offset order, checking offsets are dense from 0. */
  async function contents(topic: string, partitions: number): Promise<string[][]> {
    const reader = createLog({ ledger: storage.ledger, store: storage.store });
    const out: string[][] = [];
    for (let p = 0; p < partitions; p++) {
      const read = await reader.fetch(topic, p, { offset: 0, maxRecords: 1000 });
      expect(read.records.map((r) => r.offset)).toEqual(read.records.map((_, i) => i));
      expect(read.highWatermark).toBe(read.records.length);
      out.push(read.records.map((r) => dec.decode(r.value!)));
    }
    return out;
  }

  // The calls of one two-partition produce: put, then one transact per partition.
  const steps = [0, 1, 2];
  for (const when of ["before", "after"] as const) {
    for (const step of steps) {
      it(`fault ${when} storage call #${step}: no hole, no duplicate; a retry completes exactly once`, async () => {
        const topic = topicName();
        const setup = createLog({ ledger: storage.ledger, store: storage.store });
        await setup.createTopic(topic, 2);
        const producer = await setup.registerProducer();
        const records = [
          { key: null, value: enc.encode("a0"), partition: 0 },
          { key: null, value: enc.encode("b0"), partition: 1 },
          { key: null, value: enc.encode("a1"), partition: 0 },
        ];
        const identity = { ...producer, baseSequences: { 0: 0, 1: 0 } };
        // One sequence over both ports, so "call #k" means the k-th storage call of the produce.
        let seq = 0;
        let fired = false;
        let armed = false;
        const decide = (_call: PortCall): FaultDecision => {
          if (!armed) return undefined;
          const mine = seq++;
          if (mine === step && !fired) {
            fired = true;
            return when;
          }
          return undefined;
        };
        const ledger = instrument(storage.ledger, { fault: decide });
        const store = instrument(storage.store, { fault: decide });
        const faulty = createLog({ ledger, store });
        await faulty.describeTopic(topic); // warm the cache so the produce's calls start at #0
        armed = true;
        let first: Awaited<ReturnType<typeof faulty.produce>> | undefined;
        try {
          first = await faulty.produce(topic, records, identity);
        } catch (e) {
          expect(e).toBeInstanceOf(StrataError);
          expect((e as StrataError).retriable).toBe(true);
        }
        expect(fired).toBe(true);
        const mid = await contents(topic, 2);
        // Nothing half-visible within a partition: all of its records or none.
        expect([[], ["a0", "a1"]]).toContainEqual(mid[0]);
        expect([[], ["b0"]]).toContainEqual(mid[1]);
        if (first && first.failed === 0) expect(mid).toEqual([["a0", "a1"], ["b0"]]);

        // The producer retries (another process: nothing cached).
        const retry = await createLog({ ledger: storage.ledger, store: storage.store }).produce(
          topic,
          records,
          identity,
        );
        expect(retry.failed).toBe(0);
        expect(retry.results).toEqual([
          { partition: 0, offset: 0 },
          { partition: 1, offset: 0 },
          { partition: 0, offset: 1 },
        ]);
        expect(await contents(topic, 2)).toEqual([["a0", "a1"], ["b0"]]);
      });
    }
  }

  it("a plain (non-idempotent) produce whose commit applied but answered an error is not duplicated", async () => {
    const topic = topicName();
    const setup = createLog({ ledger: storage.ledger, store: storage.store });
    await setup.createTopic(topic, 1);
    let faults = 0;
    const ledger = instrument(storage.ledger, {
      fault: (c) => (c.method === "transact" && faults++ === 0 ? "after" : undefined),
    });
    const log = createLog({ ledger, store: storage.store });
    const res = await log.produce(topic, [{ key: null, value: enc.encode("once"), partition: 0 }]);
    expect(res.results).toEqual([{ partition: 0, offset: 0 }]);
    expect(await contents(topic, 1)).toEqual([["once"]]);
    await log.produce(topic, [{ key: null, value: enc.encode("twice"), partition: 0 }]);
    expect(await contents(topic, 1)).toEqual([["once", "twice"]]);
  });

  it("a corrupted object is reported as corrupt data, never served as wrong records", async () => {
    const topic = topicName();
    const log = createLog({ ledger: storage.ledger, store: storage.store });
    const d = await log.createTopic(topic, 2);
    await log.produce(topic, [
      { key: enc.encode("k"), value: enc.encode("precious"), partition: 0 },
      { key: enc.encode("k"), value: enc.encode("intact"), partition: 1 },
    ]);
    const [entry] = await storage.ledger.query(`b#${d.id}#0`);
    const object = String(entry!.attrs.object);
    const pos = Number(entry!.attrs.pos);
    const bytes = await storage.store.get(object);
    for (const at of [pos + 30, pos + Number(entry!.attrs.len) - 2]) {
      // Flip one bit inside partition 0's batch (past the CRC field), as a failing disk or a bad copy would.
      const damaged = bytes.slice();
      damaged[at]! ^= 0x10;
      await storage.store.put(object, damaged);
      await expect(log.fetch(topic, 0, { offset: 0 })).rejects.toMatchObject({
        code: "CORRUPT_DATA",
        retriable: false,
      });
      await expect(log.fetchBatches(topic, 0, { offset: 0 })).rejects.toBeInstanceOf(StrataError);
      // Only the damaged partition fails; the other one's batch in the same object still reads.
      const many = await log.fetchMany(
        [
          { topic, partition: 0, offset: 0 },
          { topic, partition: 1, offset: 0 },
        ],
        {},
      );
      expect(many[0]).toMatchObject({ error: { code: "CORRUPT_DATA" } });
      expect(many[1] && "records" in many[1] && many[1].records.map((r) => dec.decode(r.value!))).toEqual(["intact"]);
    }
    // Truncated: shorter than the index says.
    await storage.store.put(object, bytes.subarray(0, pos + 20));
    await expect(log.fetch(topic, 0, { offset: 0 })).rejects.toBeInstanceOf(StrataError);
  });

  it("offsets are never reused after every index entry is gone (tansu #241)", async () => {
    const topic = topicName();
    const log = createLog({ ledger: storage.ledger, store: storage.store });
    const d = await log.createTopic(topic, 1);
    await log.produce(
      topic,
      [1, 2, 3].map((i) => ({ key: null, value: enc.encode(`${i}`), partition: 0 })),
    );
    // What full retention leaves behind: no entries, logStart == highWatermark.
    const entries = await storage.ledger.query(`b#${d.id}#0`);
    await storage.ledger.transact([
      ...entries.map((e) => ({ type: "delete" as const, key: { pk: e.pk, sk: e.sk } })),
      { type: "update", key: { pk: `p#${d.id}#0`, sk: "head" }, set: { logStart: 3 } },
    ]);
    const fresh = createLog({ ledger: storage.ledger, store: storage.store });
    const res = await fresh.produce(topic, [{ key: null, value: enc.encode("4"), partition: 0 }]);
    expect(res.results).toEqual([{ partition: 0, offset: 3 }]);
    const read = await fresh.fetch(topic, 0, { offset: "earliest" });
    expect(read).toMatchObject({ logStartOffset: 3, highWatermark: 4 });
    expect(read.records.map((r) => r.offset)).toEqual([3]);
    await expect(fresh.fetch(topic, 0, { offset: 0 })).rejects.toMatchObject({ code: "OFFSET_OUT_OF_RANGE" });
  });
});
