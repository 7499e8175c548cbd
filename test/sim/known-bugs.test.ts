/**
 * Issue 9's bugs. The new logic breaks none of them: each family is checked against the property it broke and every
 * other property. Today's adapter, now running on the changed core, still breaks those marked stillBreaksToday;
 * the others the changed core mended by itself (quorum 2 by default, verdicts by quorum), so they are not asserted.
 * SIM_TIMELINE=1 prints each shrunk counterexample as a timeline.
 */
import { describe, expect, it } from "vitest";
import { todayLogic } from "./controller-logic.js";
import { systemLogic } from "./controller-logic-system.js";
import { checkScenarios } from "./invariants.js";
import { knownBugs } from "./known-bugs.js";
import { allProperties } from "./properties.js";

describe("the new logic breaks none of issue 9's bugs", () => {
  for (const known of knownBugs) {
    const property = known.property;
    it(`${property}: ${known.bug}`, () => {
      const names = [property, ...allProperties.filter((p) => p !== property)];
      const { details, failure } = checkScenarios(systemLogic, known.scenarios, names, { numRuns: 150, seed: 9 });
      expect(details.failed, failure ? `${failure.violation.property}\n${failure.timeline}` : "").toBe(false);
    }, 60_000);
  }
});

describe("today's logic (on the changed core) still breaks these", () => {
  for (const known of knownBugs.filter((k) => k.stillBreaksToday)) {
    it(`${known.property}: ${known.bug}`, () => {
      const { details, failure } = checkScenarios(todayLogic, known.scenarios, [known.property], {
        numRuns: 300,
        seed: 9,
        // Shrinking is for reading: only when the timeline is printed.
        endOnFailure: !process.env.SIM_TIMELINE,
      });
      if (process.env.SIM_TIMELINE && failure) console.log(`${known.bug}\n${failure.timeline}`);
      expect(details.failed, "today's logic was expected to break this property").toBe(true);
      expect(failure?.violation.property).toBe(known.property);
    }, 60_000);
  }
});
