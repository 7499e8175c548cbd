import { it } from "vitest";
import { todayLogic } from "./controller-logic.js";
import { assertInvariants } from "./invariants.js";
import { heldToday } from "./held-today.js";

it("today's logic: every epoch is won once, and promoted only under the epoch won (3 regions)", () => {
  assertInvariants(todayLogic, { properties: heldToday, numRuns: 3000, regionCounts: [3], seed: 30 });
}, 300_000);
