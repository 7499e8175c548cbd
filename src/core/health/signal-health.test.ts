import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  initialSignalState,
  observerFor,
  recordSample,
  ROUTE53_OBSERVER,
  type Health,
  type SignalState,
  type Thresholds,
} from "./signal-health.js";

const T0 = Date.UTC(2025, 0, 1);
const thresholds: Thresholds = { failureThreshold: 3, successThreshold: 5 };

function fresh(): SignalState {
  return initialSignalState("api-http", "us-east-1", "controller/eu-west-1");
}

/** Feeds "F"/"S" samples one second apart and returns the health after each. */
function healthAfterEach(pattern: string, t: Thresholds = thresholds, start: SignalState = fresh()): Health[] {
  let state = start;
  return [...pattern].map((c, i) => {
    state = recordSample(state, { ok: c === "S", at: T0 + (i + 1) * 1000 }, t);
    return state.health;
  });
}

describe("recordSample: hysteresis at exact thresholds", () => {
  it.each([
    // pattern, expected health after each sample (U = Unknown, X = Unhealthy, H = Healthy)
    { case: "Unhealthy on the 3rd consecutive failure, not the 2nd", pattern: "FFF", expected: "UUX" },
    { case: "an interleaved success resets the failure run", pattern: "FFSFFF", expected: "UUUUUX" },
    { case: "Healthy on the 5th consecutive success, not the 4th", pattern: "SSSSS", expected: "UUUUH" },
    { case: "a failure resets the success run", pattern: "SSSSFSSSSS", expected: "UUUUUUUUUH" },
    { case: "recovery needs 5 successes after Unhealthy", pattern: "FFFSSSSS", expected: "UUXXXXXH" },
    { case: "fewer than 3 failures leave Healthy alone", pattern: "SSSSSFFSFF", expected: "UUUUHHHHHH" },
    { case: "3 failures turn Healthy into Unhealthy", pattern: "SSSSSFFF", expected: "UUUUHHHX" },
    { case: "more failures keep Unhealthy", pattern: "FFFFFF", expected: "UUXXXX" },
    { case: "successes below threshold keep Unhealthy", pattern: "FFFSSSSF", expected: "UUXXXXXX" },
  ])("$case", ({ pattern, expected }) => {
    const letter: Record<Health, string> = { Unknown: "U", Unhealthy: "X", Healthy: "H" };
    expect(
      healthAfterEach(pattern)
        .map((h) => letter[h])
        .join(""),
    ).toBe(expected);
  });

  it("counts consecutive results and resets the other run", () => {
    let s = fresh();
    s = recordSample(s, { ok: false, at: T0 + 1 }, thresholds);
    s = recordSample(s, { ok: false, at: T0 + 2 }, thresholds);
    expect(s).toMatchObject({ consecutiveFailures: 2, consecutiveSuccesses: 0 });
    s = recordSample(s, { ok: true, at: T0 + 3, detail: "200 OK" }, thresholds);
    expect(s).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 1, lastSampleAt: T0 + 3 });
    expect(s.lastDetail).toBe("200 OK");
  });

  it("a threshold of 1 reacts to every sample", () => {
    expect(healthAfterEach("FSFS", { failureThreshold: 1, successThreshold: 1 })).toEqual([
      "Unhealthy",
      "Healthy",
      "Unhealthy",
      "Healthy",
    ]);
  });

  it("treats a threshold below 1 as 1 rather than flipping on no evidence", () => {
    expect(healthAfterEach("F", { failureThreshold: 0, successThreshold: 0 })).toEqual(["Unhealthy"]);
  });

  it("a threshold lowered mid-run counts the run at once", () => {
    let s = fresh();
    for (let i = 1; i <= 4; i++) s = recordSample(s, { ok: false, at: T0 + i }, { ...thresholds, failureThreshold: 9 });
    expect(s.health).toBe("Unknown");
    s = recordSample(s, { ok: false, at: T0 + 5 }, thresholds);
    expect(s.health).toBe("Unhealthy");
  });
});

describe("recordSample: sample order", () => {
  it.each([
    { case: "older than the last sample", at: T0 + 500 },
    { case: "at the same instant (a duplicate delivery)", at: T0 + 1000 },
    { case: "with a timestamp that is not a number", at: Number.NaN },
  ])("ignores a sample $case", ({ at }) => {
    const s = recordSample(fresh(), { ok: false, at: T0 + 1000 }, thresholds);
    expect(recordSample(s, { ok: false, at }, thresholds)).toBe(s);
  });

  it("accepts a newer sample", () => {
    const s = recordSample(fresh(), { ok: false, at: T0 + 1000 }, thresholds);
    expect(recordSample(s, { ok: false, at: T0 + 1001 }, thresholds).consecutiveFailures).toBe(2);
  });
});

describe("observerFor", () => {
  it.each([
    { source: { route53HealthCheck: { healthCheckId: "0123abcd" } }, expected: ROUTE53_OBSERVER },
    { source: { http: { url: "https://x" } }, expected: "controller/eu-west-1" },
    { source: { prometheus: { url: "http://p", query: "up", unhealthyWhen: {} } }, expected: "controller/eu-west-1" },
    { source: { workload: { name: "api" } }, expected: "controller/eu-west-1" },
  ])("$expected observes $source", ({ source, expected }) => {
    expect(observerFor(source, "eu-west-1")).toBe(expected);
  });
});

/**
 * Reference model written differently from the implementation: health after sample i is set by the most recent
 * position k ≤ i at which a run of identical results reached exactly its threshold.
 */
function referenceHealth(results: boolean[], i: number, t: Thresholds): Health {
  for (let k = i; k >= 0; k--) {
    let run = 0;
    while (k - run >= 0 && results[k - run] === results[k]) run++;
    const needed = results[k] ? t.successThreshold : t.failureThreshold;
    if (run === needed) return results[k] ? "Healthy" : "Unhealthy";
  }
  return "Unknown";
}

describe("recordSample properties", () => {
  it("health changes exactly when a run reaches its threshold, and only then", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (results, failureThreshold, successThreshold) => {
          const t = { failureThreshold, successThreshold };
          let state = fresh();
          results.forEach((ok, i) => {
            const before = state.health;
            state = recordSample(state, { ok, at: T0 + i * 1000 }, t);
            expect(state.health).toBe(referenceHealth(results, i, t));
            if (state.health !== before) {
              // A change happens on the sample that completes a threshold run, with the matching result.
              if (state.health === "Unhealthy") expect(state.consecutiveFailures).toBe(failureThreshold);
              if (state.health === "Healthy") expect(state.consecutiveSuccesses).toBe(successThreshold);
            }
          });
        },
      ),
    );
  });

  it("a shuffled delivery never counts more samples than were taken in order", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(20).keys()], { minLength: 1 }), (order) => {
        let state = fresh();
        for (const i of order) state = recordSample(state, { ok: false, at: T0 + i * 1000 }, thresholds);
        // Only samples newer than all before them count: the length of the increasing "record" subsequence.
        let records = 0;
        let max = -1;
        for (const i of order) {
          if (i <= max) continue;
          records++;
          max = i;
        }
        expect(state.consecutiveFailures).toBe(records);
      }),
    );
  });
});
