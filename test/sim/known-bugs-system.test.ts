/**
 * The new logic's own bugs, found by the simulation (known-bugs-system.ts): fast-check must still find each. These
 * assertions are meant to flip when the bug is fixed (then drop it from systemBugs, and the suite asserts its
 * property again). SIM_TIMELINE=1 prints each shrunk counterexample as a timeline.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scenarioArb } from "./arbitraries.js";
import { systemLogic } from "./controller-logic-system.js";
import { checkScenarios } from "./invariants.js";
import { systemBugs } from "./known-bugs-system.js";

describe("the new logic still breaks these (flip when fixed)", () => {
  for (const known of systemBugs) {
    it(`${known.property}: ${known.bug}`, () => {
      const { details, failure } = checkScenarios(systemLogic, known.scenarios, [known.property], {
        numRuns: 500,
        seed: 9,
        // Shrinking is for reading: only when the timeline is printed.
        endOnFailure: !process.env.SIM_TIMELINE,
      });
      if (process.env.SIM_TIMELINE && failure) console.log(`${known.bug}\n${failure.timeline}`);
      expect(details.failed, "the new logic was expected to break this property").toBe(true);
      expect(failure?.violation.property).toBe(known.property);
    }, 60_000);
  }
});

it("every epoch moves the writer when hold-down outlasts the record cache (and the traffic step's delays)", () => {
  const scenarios = scenarioArb({ regions: 2, holdDownIntervals: fc.integer({ min: 5, max: 15 }) }).filter(
    (s) => s.policy.holdDownSeconds * 1000 >= s.timing.cacheMs + s.timing.freezeMs + s.timing.casLatencyMs,
  );
  const { details, failure } = checkScenarios(systemLogic, scenarios, ["everyEpochMovesTheWriter"], {
    numRuns: 300,
    seed: 9,
  });
  expect(details.failed, failure?.timeline).toBe(false);
}, 60_000);
