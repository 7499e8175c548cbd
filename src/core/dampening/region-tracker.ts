/**
 * A region's health over time: when its verdict last changed and how much it has flapped. The verdict of one
 * evaluation is a snapshot; this is the memory that hold-down and flap damping need.
 */
import type { Health } from "../health/signal-health.js";
import type { RegionVerdict } from "../health/region-health.js";
import { initialPenalty, recordFlap, suppression, type PenaltyConfig, type PenaltyState } from "./flap-penalty.js";

export interface RegionState {
  name: string;
  health: Health;
  /** Epoch ms at which health took its current value. */
  since: number;
  /**
   * The last health that was not Unknown. A flap is judged against it, so an Unknown interlude (a signal added to the
   * spec, a restart) neither hides a real Healthy→Unhealthy flap nor invents one on Unknown→Healthy.
   */
  lastKnownHealth?: "Healthy" | "Unhealthy";
  penalty: PenaltyState;
}

/** A region seen for the first time: Unknown until its signals say otherwise, with no flap history. */
export function initialRegionState(name: string, now: number): RegionState {
  return { name, health: "Unknown", since: now, penalty: initialPenalty(now) };
}

/**
 * Moves a region to its new verdict at `now`. health and since change only on a real change. A change between Healthy
 * and Unhealthy (directly or across Unknown) is a flap and adds penalty; the first known health after start-up is not a
 * flap. An ended suppression is cleared on every call so the stored state never claims a suppression that is over.
 */
export function advanceRegion(prev: RegionState, verdict: RegionVerdict, cfg: PenaltyConfig, now: number): RegionState {
  const health = verdict.health;
  const changed = health !== prev.health;
  const known = health === "Unknown" ? undefined : health;
  const flapped = known !== undefined && prev.lastKnownHealth !== undefined && known !== prev.lastKnownHealth;

  const penalty = flapped ? recordFlap(prev.penalty, cfg, now) : suppression(prev.penalty, cfg, now).state;
  const lastKnownHealth = known ?? prev.lastKnownHealth;

  const next: RegionState = { name: prev.name, health, since: changed ? now : prev.since, penalty };
  return lastKnownHealth === undefined ? next : { ...next, lastKnownHealth };
}
