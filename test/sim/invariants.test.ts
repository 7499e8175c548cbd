/**
 * The full invariant suite against the new logic, two regions (three in invariants-3-regions.test.ts): every property
 * it keeps (known-bugs-system.ts names the few it breaks, and asserts that it still does). A violation throws with the
 * shrunk scenario's timeline.
 */
import { it } from "vitest";
import { systemLogic } from "./controller-logic-system.js";
import { assertInvariants } from "./invariants.js";
import { systemHolds } from "./known-bugs-system.js";

it("new logic: the system's invariants hold (2 regions)", () => {
  assertInvariants(systemLogic, { properties: systemHolds, numRuns: 3000, regionCounts: [2], seed: 9 });
}, 120_000);
