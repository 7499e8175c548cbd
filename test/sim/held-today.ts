import type { PropertyName } from "./properties.js";

/** The properties today's logic keeps (issue 9: "what held, and must keep holding"). */
export const heldToday: readonly PropertyName[] = ["everyEpochWonOnce", "promotionOnlyUnderWonEpoch"];
