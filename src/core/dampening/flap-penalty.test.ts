import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decayedValue,
  initialPenalty,
  penaltyCeiling,
  recordFlap,
  suppression,
  type PenaltyConfig,
  type PenaltyState,
} from "./flap-penalty.js";

const T0 = Date.UTC(2025, 0, 1);
const s = (seconds: number) => seconds * 1000;
/** RFC 2439's common defaults, which are also the CRD's. */
const cfg: PenaltyConfig = {
  perTransition: 1000,
  halfLifeSeconds: 900,
  suppressAbove: 2000,
  reuseBelow: 750,
  maxSuppressSeconds: 3600,
};

function flaps(times: number[], c: PenaltyConfig = cfg, start: PenaltyState = initialPenalty(T0)): PenaltyState {
  return times.reduce((st, t) => recordFlap(st, c, t), start);
}

describe("decayedValue", () => {
  it.each([
    { elapsed: 0, expected: 1000 },
    { elapsed: 900, expected: 500 },
    { elapsed: 1800, expected: 250 },
    { elapsed: 450, expected: 1000 / Math.SQRT2 },
  ])("1000 after $elapsed s with a 900 s half-life is $expected", ({ elapsed, expected }) => {
    expect(decayedValue({ value: 1000, updatedAt: T0 }, cfg, T0 + s(elapsed))).toBeCloseTo(expected, 9);
  });

  it("does not grow when the clock is before updatedAt", () => {
    expect(decayedValue({ value: 1000, updatedAt: T0 }, cfg, T0 - s(600))).toBe(1000);
  });
});

describe("recordFlap", () => {
  it("adds perTransition to the decayed penalty", () => {
    const st = flaps([T0, T0 + s(900)]);
    expect(st.value).toBeCloseTo(1500, 9);
    expect(st.updatedAt).toBe(T0 + s(900));
  });

  it.each([
    { case: "1 flap", times: [T0], suppressed: false },
    { case: "2 quick flaps reach 2000, which is not above 2000", times: [T0, T0 + 1], suppressed: false },
    { case: "the 3rd quick flap goes above 2000", times: [T0, T0 + 1, T0 + 2], suppressed: true },
    { case: "3 flaps an hour apart have decayed", times: [T0, T0 + s(3600), T0 + s(7200)], suppressed: false },
  ])("$case → suppressed: $suppressed", ({ times, suppressed }) => {
    const st = flaps(times);
    expect(st.suppressedSince !== undefined).toBe(suppressed);
    expect(suppression(st, cfg, times.at(-1) ?? T0).suppressed).toBe(suppressed);
  });

  it("starts suppression at the flap that crosses suppressAbove, and more flaps keep that start", () => {
    const st = flaps([T0, T0 + s(10), T0 + s(20), T0 + s(30), T0 + s(40)]);
    expect(st.suppressedSince).toBe(T0 + s(20));
  });

  it("caps the penalty at RFC 2439's ceiling, reuseBelow × 2^(maxSuppress / halfLife)", () => {
    expect(penaltyCeiling(cfg)).toBe(750 * 16);
    const st = flaps(Array.from({ length: 40 }, (_, i) => T0 + i));
    expect(st.value).toBe(12000);
  });

  it("lifts the ceiling above suppressAbove when maxSuppressSeconds is short, so suppression stays reachable", () => {
    const short = { ...cfg, maxSuppressSeconds: 1200 }; // RFC ceiling 750 × 2^(4/3) ≈ 1890 < 2000
    expect(penaltyCeiling(short)).toBe(3000);
    const st = flaps([T0, T0 + 1, T0 + 2], short);
    expect(suppression(st, short, T0 + 2).suppressed).toBe(true);
    expect(suppression(st, short, T0 + 2 + s(1200)).suppressed).toBe(false);
  });

  it("has no ceiling when reuseBelow is 0", () => {
    expect(penaltyCeiling({ ...cfg, reuseBelow: 0 })).toBe(Infinity);
  });

  it("a flap after a suppression ended unnoticed starts a new suppression at that flap", () => {
    const stale: PenaltyState = { value: 12000, updatedAt: T0, suppressedSince: T0 };
    const later = T0 + s(3600) + s(60); // past max-suppress; the penalty is still about 750 × 2^(-60/900) + 1000 × 2
    const st = recordFlap(recordFlap(stale, cfg, later), cfg, later + 1);
    expect(st.suppressedSince).toBe(later + 1);
  });

  it("never moves updatedAt backwards", () => {
    const st = recordFlap({ value: 1000, updatedAt: T0 }, cfg, T0 - s(60));
    expect(st).toEqual({ value: 2000, updatedAt: T0 });
  });
});

describe("suppression", () => {
  const since = T0;
  const suppressed: PenaltyState = { value: 3000, updatedAt: T0, suppressedSince: since };

  it("is not suppressed without a suppression start, and returns the state untouched", () => {
    const st = { value: 5000, updatedAt: T0 };
    expect(suppression(st, cfg, T0)).toEqual({ suppressed: false, state: st });
  });

  it("ends when the penalty decays below reuseBelow: 3000 → 750 takes two half-lives", () => {
    expect(suppression(suppressed, cfg, T0 + s(1800) - 1)).toMatchObject({
      suppressed: true,
      until: T0 + s(1800),
      notAfter: T0 + s(3600),
    });
    const ended = suppression(suppressed, cfg, T0 + s(1800));
    expect(ended).toEqual({ suppressed: false, state: { value: 3000, updatedAt: T0 } });
    expect(decayedValue(ended.state, cfg, T0 + s(1800))).toBeCloseTo(750, 6);
  });

  it("ends at suppressedSince + maxSuppressSeconds even when the penalty is still high", () => {
    const flapping: PenaltyState = { value: 12000, updatedAt: T0 + s(3000), suppressedSince: T0 };
    expect(suppression(flapping, cfg, T0 + s(3600) - 1)).toMatchObject({ suppressed: true, until: T0 + s(3600) });
    expect(suppression(flapping, cfg, T0 + s(3600)).suppressed).toBe(false);
    expect(decayedValue(flapping, cfg, T0 + s(3600))).toBeGreaterThan(cfg.suppressAbove);
  });

  it("with reuseBelow 0 only the hard limit ends it", () => {
    const c = { ...cfg, reuseBelow: 0 };
    const st = { value: 2500, updatedAt: T0, suppressedSince: T0 };
    expect(suppression(st, c, T0 + s(3600) - 1)).toMatchObject({ suppressed: true, until: T0 + s(3600) });
    expect(suppression(st, c, T0 + s(3600)).suppressed).toBe(false);
  });

  it("does not depend on how often it is asked", () => {
    let st = suppressed;
    for (let t = T0; t < T0 + s(1800); t += s(7)) st = suppression(st, cfg, t).state;
    expect(st).toBe(suppressed);
  });
});

describe("flap penalty properties", () => {
  const config = fc.record({
    perTransition: fc.integer({ min: 1, max: 3000 }),
    halfLifeSeconds: fc.integer({ min: 1, max: 3600 }),
    suppressAbove: fc.integer({ min: 1, max: 10000 }),
    reuseBelow: fc.integer({ min: 0, max: 5000 }),
    maxSuppressSeconds: fc.integer({ min: 1, max: 14400 }),
  });
  const gaps = fc.array(fc.integer({ min: 0, max: s(3600) }), { minLength: 1, maxLength: 40 });

  it("a suppression never lasts longer than maxSuppressSeconds, and ends by then once flapping stops", () => {
    fc.assert(
      fc.property(config, gaps, fc.integer({ min: 0, max: s(20000) }), (c, gapList, probe) => {
        let st = initialPenalty(T0);
        let t = T0;
        for (const gap of gapList) {
          t += gap;
          st = recordFlap(st, c, t);
          const now = suppression(st, c, t);
          if (now.suppressed) {
            expect(t).toBeLessThan((st.suppressedSince ?? -Infinity) + s(c.maxSuppressSeconds));
            expect(now.until).toBeLessThanOrEqual((st.suppressedSince ?? 0) + s(c.maxSuppressSeconds));
          }
        }
        // After the last flap: suppressed at no time at or beyond lastFlap + maxSuppress, and `until` is honest.
        const at = t + probe;
        const verdict = suppression(st, c, at);
        if (at >= t + s(c.maxSuppressSeconds)) expect(verdict.suppressed).toBe(false);
        if (verdict.suppressed) expect(verdict.until).toBeGreaterThan(at);
        const before = suppression(st, c, t);
        if (before.suppressed && before.until !== undefined) {
          expect(suppression(st, c, before.until - 1).suppressed).toBe(true);
          expect(suppression(st, c, before.until).suppressed).toBe(false);
        }
      }),
    );
  });

  it("the penalty never exceeds the ceiling and never goes negative", () => {
    fc.assert(
      fc.property(config, gaps, (c, gapList) => {
        let st = initialPenalty(T0);
        let t = T0;
        for (const gap of gapList) {
          t += gap;
          st = recordFlap(st, c, t);
          expect(st.value).toBeGreaterThan(0);
          expect(st.value).toBeLessThanOrEqual(penaltyCeiling(c));
        }
      }),
    );
  });
});
