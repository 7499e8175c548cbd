import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drawAll, fullLevel, levelAt, shareOf, waitFor, type Bucket, type Level } from "./token-bucket.js";

const bucket: Bucket = { capacity: 50, refillPerSecond: 10 };

describe("token buckets", () => {
  it("a full bucket pays a burst of its capacity at once, then one token per 1/refill seconds", () => {
    let level = fullLevel(bucket, 0);
    for (let i = 0; i < 50; i++) {
      const drawn = drawAll([{ bucket, level, cost: 1 }], 0);
      if (!("levels" in drawn)) throw new Error(`request ${i} of the burst had to wait`);
      level = drawn.levels[0]!;
    }
    expect(drawAll([{ bucket, level, cost: 1 }], 0)).toEqual({ wait: 100 });
    expect("levels" in drawAll([{ bucket, level, cost: 1 }], 100)).toBe(true);
  });

  it("never holds more than its capacity however long it refills", () => {
    expect(levelAt(bucket, { tokens: 0, at: 0 }, 3_600_000).tokens).toBe(50);
  });

  it("a request waits for the slowest of the buckets it draws on, and then pays all of them", () => {
    const action: Bucket = { capacity: 4, refillPerSecond: 1 };
    const drawn = drawAll(
      [
        { bucket, level: fullLevel(bucket, 0), cost: 1 },
        { bucket: action, level: { tokens: 0, at: 0 }, cost: 1 },
      ],
      0,
    );
    expect(drawn).toEqual({ wait: 1000 });
    const later = drawAll(
      [
        { bucket, level: fullLevel(bucket, 0), cost: 1 },
        { bucket: action, level: { tokens: 0, at: 0 }, cost: 1 },
      ],
      1000,
    );
    expect(later).toEqual({
      levels: [
        { tokens: 49, at: 1000 },
        { tokens: 0, at: 1000 },
      ],
    });
  });

  it("a cost above the capacity waits for a full bucket and empties it", () => {
    expect(waitFor(bucket, { tokens: 0, at: 0 }, 0, 500)).toBe(5000);
    const drawn = drawAll([{ bucket, level: fullLevel(bucket, 0), cost: 500 }], 0);
    expect(drawn).toEqual({ levels: [{ tokens: 0, at: 0 }] });
  });

  it("a share is 1/N of the burst and the rate", () => {
    expect(shareOf(bucket, 2)).toEqual({ capacity: 25, refillPerSecond: 5 });
    expect(shareOf({ capacity: 4, refillPerSecond: 1 }, 8)).toEqual({ capacity: 1, refillPerSecond: 0.125 });
    expect(shareOf(bucket, 0)).toEqual(bucket);
  });

  it("property: over any window, what is granted never exceeds capacity + rate × window", () => {
    fc.assert(
      fc.property(
        fc.record({
          capacity: fc.integer({ min: 1, max: 60 }),
          refillPerSecond: fc.double({ min: 0.1, max: 20, noNaN: true }),
        }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2000 }), cost: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 200,
        }),
        (b, requests) => {
          // A client that waits as told: each request is granted at the first moment every token it needs is there.
          let now = 0;
          let level: Level = fullLevel(b, 0);
          const grants: { at: number; cost: number }[] = [];
          for (const r of requests) {
            now += r.gap;
            let drawn = drawAll([{ bucket: b, level, cost: r.cost }], now);
            if ("wait" in drawn) {
              now += drawn.wait;
              drawn = drawAll([{ bucket: b, level, cost: r.cost }], now);
            }
            if (!("levels" in drawn)) throw new Error("still waiting after the wait it was told");
            level = drawn.levels[0]!;
            grants.push({ at: now, cost: Math.min(r.cost, b.capacity) });
          }
          for (let i = 0; i < grants.length; i++) {
            let spent = 0;
            for (let j = i; j < grants.length; j++) {
              spent += grants[j]!.cost;
              const window = (grants[j]!.at - grants[i]!.at) / 1000;
              expect(spent).toBeLessThanOrEqual(b.capacity + b.refillPerSecond * window + 1e-6);
            }
          }
        },
      ),
    );
  });
});
