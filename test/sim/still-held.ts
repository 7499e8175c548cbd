import type { PropertyName } from "./properties.js";

/**
 * What issue 9 says held on `main` and must keep holding: exactly one compare-and-swap winner per epoch, and no
 * promotion under a superseded epoch. The still-held tests hold the new logic to them on crash-heavy scenarios (up to
 * four controller crashes, besides the suite's own scenarios).
 */
export const stillHeld: readonly PropertyName[] = ["everyEpochWonOnce", "promotionOnlyUnderWonEpoch"];

/** Many crashes: the races a SIGKILL makes (a resumed traffic step, a promotion in flight, a stale cache). */
export const crashHeavy = { maxCrashes: 4 } as const;
