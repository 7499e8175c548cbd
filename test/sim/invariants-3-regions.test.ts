import { it } from "vitest";
import { systemLogic } from "./controller-logic-system.js";
import { assertInvariants } from "./invariants.js";
import { allProperties } from "./properties.js";

it("new logic: the system's invariants hold (3 regions)", () => {
  assertInvariants(systemLogic, { properties: allProperties, numRuns: 2000, regionCounts: [3], seed: 10 });
}, 120_000);
