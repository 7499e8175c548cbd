/**
 * The full invariant suite against the new logic, two regions (three in invariants-3-regions.test.ts): every property
 * of properties.ts. A violation throws with the shrunk scenario's timeline.
 */
import { it } from "vitest";
import { systemLogic } from "./controller-logic-system.js";
import { assertInvariants } from "./invariants.js";
import { allProperties } from "./properties.js";

it("new logic: the system's invariants hold (2 regions)", () => {
  assertInvariants(systemLogic, { properties: allProperties, numRuns: 3000, regionCounts: [2], seed: 9 });
}, 120_000);
