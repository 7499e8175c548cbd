/**
 * What issue 9 says held on `main`, and must keep holding: exactly one compare-and-swap winner per epoch, and no
 * promotion under a superseded epoch. Two regions here; three in held-today-3-regions.test.ts (a file of its own so
 * that the two run on separate workers).
 */
import { it } from "vitest";
import { todayLogic } from "./controller-logic.js";
import { assertInvariants } from "./invariants.js";
import { heldToday } from "./held-today.js";

it("today's logic: every epoch is won once, and promoted only under the epoch won (2 regions)", () => {
  assertInvariants(todayLogic, { properties: heldToday, numRuns: 7000, regionCounts: [2], seed: 20 });
}, 300_000);
