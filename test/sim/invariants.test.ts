/**
 * The full invariant suite. Today's logic fails it (known-bugs.test.ts shows how); when the new core's adapter
 * exists, replace the expectation below with `assertInvariants(newLogic, { numRuns: 5000 })`, which throws with the
 * shrunk scenario's timeline on the first violation.
 */
import { expect, it } from "vitest";
import { todayLogic } from "./controller-logic.js";
import { checkInvariants } from "./invariants.js";

it("today's logic fails the full suite for 2 and 3 regions (flips to assertInvariants with the new logic)", () => {
  const results = checkInvariants(todayLogic, { numRuns: 200 });
  for (const r of results) expect(r.details.failed, `${r.regions} regions`).toBe(true);
}, 120_000);
