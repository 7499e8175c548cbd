import { describe, expect, it } from "vitest";
import type { RegionVerdict } from "../health/region-health.js";
import type { Health } from "../health/signal-health.js";
import type { PenaltyConfig } from "./flap-penalty.js";
import { advanceRegion, initialRegionState, type RegionState } from "./region-tracker.js";

const T0 = Date.UTC(2025, 0, 1);
const cfg: PenaltyConfig = {
  perTransition: 1000,
  halfLifeSeconds: 900,
  suppressAbove: 2000,
  reuseBelow: 750,
  maxSuppressSeconds: 3600,
};

function verdict(health: Health): RegionVerdict {
  return { region: "us-east-1", health, failingSignals: [], failingObservers: [], healthyObservers: [] };
}

/** Walks a region through healths one second apart; returns every state. */
function walk(healths: Health[]): RegionState[] {
  const states: RegionState[] = [];
  let st = initialRegionState("us-east-1", T0);
  healths.forEach((h, i) => {
    st = advanceRegion(st, verdict(h), cfg, T0 + (i + 1) * 1000);
    states.push(st);
  });
  return states;
}

const penaltyAfter = (healths: Health[]) => walk(healths).at(-1)?.penalty.value ?? NaN;

describe("advanceRegion", () => {
  it.each<{ case: string; healths: Health[]; flaps: number }>([
    { case: "Unknown → Healthy at start-up is not a flap", healths: ["Healthy"], flaps: 0 },
    { case: "Unknown → Unhealthy at start-up is not a flap", healths: ["Unhealthy"], flaps: 0 },
    { case: "Healthy → Unhealthy is a flap", healths: ["Healthy", "Unhealthy"], flaps: 1 },
    { case: "Unhealthy → Healthy is a flap", healths: ["Unhealthy", "Healthy"], flaps: 1 },
    { case: "Healthy → Unknown → Healthy is not a flap", healths: ["Healthy", "Unknown", "Healthy"], flaps: 0 },
    { case: "Healthy → Unknown → Unhealthy is one flap", healths: ["Healthy", "Unknown", "Unhealthy"], flaps: 1 },
    { case: "staying Healthy adds nothing", healths: ["Healthy", "Healthy", "Healthy"], flaps: 0 },
    { case: "H U H U is three flaps", healths: ["Healthy", "Unhealthy", "Healthy", "Unhealthy"], flaps: 3 },
  ])("$case", ({ healths, flaps }) => {
    // Flaps one second apart barely decay, so the penalty counts them.
    expect(Math.round(penaltyAfter(healths) / 1000)).toBe(flaps);
  });

  it("changes since only on a real change of health", () => {
    const states = walk(["Healthy", "Healthy", "Unhealthy", "Unhealthy", "Unknown"]);
    expect(states.map((s) => s.since)).toEqual([T0 + 1000, T0 + 1000, T0 + 3000, T0 + 3000, T0 + 5000]);
    expect(states.map((s) => s.lastKnownHealth)).toEqual(["Healthy", "Healthy", "Unhealthy", "Unhealthy", "Unhealthy"]);
  });

  it("suppresses on the third quick flap and clears the suppression once it has ended", () => {
    const states = walk(["Healthy", "Unhealthy", "Healthy", "Unhealthy"]);
    const flapped = states.at(-1);
    expect(flapped?.penalty.suppressedSince).toBe(T0 + 4000);
    if (flapped === undefined) return;
    // Two half-lives later 3000 has decayed to 750: no longer suppressed, and the stored state says so.
    const later = advanceRegion(flapped, verdict("Unhealthy"), cfg, T0 + 4000 + 1800 * 1000 + 1000);
    expect(later.penalty.suppressedSince).toBeUndefined();
    expect(later.health).toBe("Unhealthy");
  });
});
