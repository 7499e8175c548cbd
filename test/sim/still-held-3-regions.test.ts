import { it } from "vitest";
import { systemLogic } from "./controller-logic-system.js";
import { assertInvariants } from "./invariants.js";
import { crashHeavy, stillHeld } from "./still-held.js";

it("new logic: every epoch is won once, and promoted only under the epoch won (3 regions, many crashes)", () => {
  assertInvariants(systemLogic, {
    properties: stillHeld,
    numRuns: 1000,
    regionCounts: [3],
    seed: 30,
    scenarios: crashHeavy,
  });
}, 120_000);
