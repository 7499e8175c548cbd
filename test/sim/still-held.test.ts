/**
 * What held on `main` keeps holding with the new logic: one compare-and-swap winner per epoch, promotion only under
 * the epoch won. Two regions here; three in still-held-3-regions.test.ts.
 */
import { it } from "vitest";
import { systemLogic } from "./controller-logic-system.js";
import { assertInvariants } from "./invariants.js";
import { crashHeavy, stillHeld } from "./still-held.js";

it("new logic: every epoch is won once, and promoted only under the epoch won (2 regions, many crashes)", () => {
  assertInvariants(systemLogic, {
    properties: stillHeld,
    numRuns: 1500,
    regionCounts: [2],
    seed: 20,
    scenarios: crashHeavy,
  });
}, 120_000);
