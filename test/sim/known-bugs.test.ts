/**
 * Today's logic against issue 9's bugs: for each, fast-check must find a counterexample. These assertions are meant
 * to flip: once the new core lands (global dampening, cross-region quorum, role state following the plan), run the
 * same families against its adapter and expect `failed` to be false (invariants.test.ts asserts the whole suite).
 * SIM_TIMELINE=1 prints each shrunk counterexample as a timeline.
 */
import { describe, expect, it } from "vitest";
import { todayLogic } from "./controller-logic.js";
import { checkScenarios } from "./invariants.js";
import { knownBugs } from "./known-bugs.js";

describe("today's logic breaks issue 9's invariants (flips when the new logic lands)", () => {
  for (const known of knownBugs) {
    it(`${known.property}: ${known.bug}`, () => {
      const { details, failure } = checkScenarios(todayLogic, known.scenarios, [known.property], {
        numRuns: 300,
        seed: 9,
      });
      if (process.env.SIM_TIMELINE && failure) console.log(`${known.bug}\n${failure.timeline}`);
      expect(details.failed, "today's logic was expected to break this property").toBe(true);
      expect(failure?.violation.property).toBe(known.property);
    }, 60_000);
  }
});
