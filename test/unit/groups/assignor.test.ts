/** Properties of the pure assignor: complete, exclusive, balanced per subscription, deterministic, sticky. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeTarget } from "../../../lib/groups/assignor.js";
import { partitionKey } from "../../../lib/groups/partitions.js";

const input = fc
  .record({
    counts: fc.record({ a: fc.integer({ min: 0, max: 12 }), b: fc.integer({ min: 0, max: 5 }) }),
    members: fc.uniqueArray(
      fc.record({
        memberId: fc.stringMatching(/^[a-f]{1,3}$/),
        topics: fc.constantFrom(["a"], ["b"], ["a", "b"]),
        held: fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 14 })), { maxLength: 6 }),
      }),
      { selector: (m) => m.memberId, maxLength: 6 },
    ),
  })
  .map(({ counts, members }) => ({
    counts,
    members: members.map((m) => ({
      memberId: m.memberId,
      topics: m.topics,
      current: new Set(m.held.map(([t, p]) => partitionKey(t, p))),
    })),
  }));

describe("computeTarget", () => {
  it("gives every subscribed partition to exactly one subscriber, balanced within a subscription", () => {
    fc.assert(
      fc.property(input, ({ counts, members }) => {
        const target = computeTarget(members, counts);
        const owner = new Map<string, string>();
        for (const [id, keys] of target) {
          for (const k of keys) {
            expect(owner.has(k)).toBe(false);
            owner.set(k, id);
            const m = members.find((x) => x.memberId === id)!;
            expect(m.topics).toContain(k.split("/")[0]);
          }
        }
        for (const topic of ["a", "b"] as const) {
          const subscribed = members.some((m) => (m.topics as readonly string[]).includes(topic));
          for (let p = 0; p < counts[topic]; p++) expect(owner.has(`${topic}/${p}`)).toBe(subscribed);
        }
        for (const sub of ["a", "b", "a,b"]) {
          const sizes = members.filter((m) => m.topics.join() === sub).map((m) => target.get(m.memberId)!.size);
          if (sizes.length > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
        // deterministic, whatever the input order
        const again = computeTarget([...members].reverse(), counts);
        expect(again).toEqual(target);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a balanced assignment as it is and moves only what balance needs", () => {
    const members = [
      { memberId: "x", topics: ["a"], current: new Set(["a/0", "a/1", "a/2"]) },
      { memberId: "y", topics: ["a"], current: new Set(["a/3", "a/4", "a/5"]) },
    ];
    const stable = computeTarget(members, { a: 6 });
    expect([...stable.get("x")!].sort()).toEqual(["a/0", "a/1", "a/2"]);
    const withZ = computeTarget([...members, { memberId: "z", topics: ["a"], current: new Set() }], { a: 6 });
    expect([...withZ.get("x")!].length).toBe(2);
    expect([...withZ.get("y")!].length).toBe(2);
    // only two partitions moved, both to the new member
    expect([...withZ.get("z")!].sort()).toEqual(["a/2", "a/5"]);
  });
});
