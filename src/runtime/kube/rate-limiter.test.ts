import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { controllerRateLimiter, ItemExponentialBackoff, MaxOfRateLimiter, TokenBucket } from "./rate-limiter.js";

describe("ItemExponentialBackoff", () => {
  it("doubles from the base delay per failure of a key", () => {
    const backoff = new ItemExponentialBackoff<string>(5, 1_000_000);
    expect([1, 2, 3, 4].map(() => backoff.when("a"))).toEqual([5, 10, 20, 40]);
    expect(backoff.numRequeues("a")).toBe(4);
  });

  it("counts keys separately and starts over after forget", () => {
    const backoff = new ItemExponentialBackoff<string>(5, 1_000_000);
    backoff.when("a");
    backoff.when("a");
    expect(backoff.when("b")).toBe(5);
    backoff.forget("a");
    expect(backoff.numRequeues("a")).toBe(0);
    expect(backoff.when("a")).toBe(5);
  });

  it("rejects a base above the cap", () => {
    expect(() => new ItemExponentialBackoff(10, 5)).toThrow(/base/);
  });

  it("is monotone, never above the cap, and reaches it (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 80 }),
        (base, extra, failures) => {
          const max = base + extra;
          const backoff = new ItemExponentialBackoff<string>(base, max);
          const delays = Array.from({ length: failures }, () => backoff.when("k"));
          delays.forEach((delay, i) => {
            expect(delay).toBeLessThanOrEqual(max);
            expect(delay).toBe(Math.min(base * 2 ** i, max));
            if (i > 0) expect(delay).toBeGreaterThanOrEqual(delays[i - 1] ?? 0);
          });
          // log2(1e9) < 31: the cap is reached after at most that many doublings.
          if (failures > 31) expect(delays.at(-1)).toBe(max);
          backoff.forget("k");
          expect(backoff.when("k")).toBe(base);
        },
      ),
    );
  });
});

describe("TokenBucket", () => {
  it("lets the burst through at once, then spaces callers at 1/qps", () => {
    const bucket = new TokenBucket<string>(10, 100);
    const delays = Array.from({ length: 103 }, () => bucket.when("any", 0));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100).map((d) => Math.round(d))).toEqual([100, 200, 300]);
  });

  it("refills with time, never above the burst", () => {
    const bucket = new TokenBucket<string>(10, 2);
    expect([bucket.when("a", 0), bucket.when("a", 0)]).toEqual([0, 0]);
    expect(bucket.when("a", 0)).toBeCloseTo(100);
    // A long quiet spell refills to the burst, not beyond it.
    expect([bucket.when("a", 60_000), bucket.when("a", 60_000)]).toEqual([0, 0]);
    expect(bucket.when("a", 60_000)).toBeCloseTo(100);
  });

  it("never grants more than burst + qps·t in any window (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (qps, burst, gaps) => {
          const bucket = new TokenBucket<string>(qps, burst);
          let now = 0;
          const grants = gaps.map((gap) => {
            now += gap;
            return now + bucket.when("k", now);
          });
          const sorted = [...grants].sort((a, b) => a - b);
          for (let i = 0; i < sorted.length; i++) {
            for (let j = i; j < sorted.length; j++) {
              const windowMs = (sorted[j] ?? 0) - (sorted[i] ?? 0);
              // +1e-6: floating point in the delay arithmetic.
              expect(j - i + 1).toBeLessThanOrEqual(burst + (windowMs * qps) / 1000 + 1e-6);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("controllerRateLimiter (MaxOf)", () => {
  it("is the larger of the per-key backoff and the global bucket", () => {
    const limiter = controllerRateLimiter<string>({ baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 2 });
    expect(limiter.when("a", 0)).toBe(5); // backoff 5 ms, bucket 0
    expect(limiter.when("b", 0)).toBe(5);
    expect(limiter.when("c", 0)).toBeCloseTo(100); // bucket empty: 100 ms beats 5 ms
    expect(limiter.numRequeues("a")).toBe(1);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
  });

  it("charges every limiter on every attempt", () => {
    const a = new ItemExponentialBackoff<string>(1, 1000);
    const b = new ItemExponentialBackoff<string>(100, 1000);
    const limiter = new MaxOfRateLimiter(a, b);
    expect(limiter.when("k", 0)).toBe(100);
    expect(a.numRequeues("k")).toBe(1);
    expect(b.numRequeues("k")).toBe(1);
  });

  it("per key is monotone up to the cap when time stands still (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (failures) => {
        const limiter = controllerRateLimiter<string>();
        const delays = Array.from({ length: failures }, () => limiter.when("k", 0));
        for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] ?? 0);
        expect(Math.max(...delays)).toBeLessThanOrEqual(1_000_000);
      }),
    );
  });
});
