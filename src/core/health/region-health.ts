/**
 * A region's verdict from its dampened signals. The verdict is what failover acts on, so it demands both enough failing
 * signals and enough distinct observers agreeing: a controller cut off from a region sees every probe fail, and must
 * not move traffic on its own view alone (invariant 3).
 */
import type { Health, SignalState } from "./signal-health.js";

export interface UnhealthyWhen {
  /** Unhealthy signals needed (counted over all observers). */
  failingSignals: number;
  /** Distinct observers that must be among those unhealthy signals. */
  quorum: number;
}

export interface RegionVerdict {
  region: string;
  health: Health;
  /** Names of the region's Unhealthy signals, in input order, whether or not they are enough for Unhealthy. */
  failingSignals: string[];
  /** Distinct observers of those signals, in order of first appearance. */
  failingObservers: string[];
}

/**
 * Unhealthy needs both thresholds met. Otherwise a single Unknown signal (or no signal at all) makes the region
 * Unknown rather than Healthy, because a region we cannot fully see must not look like a safe failover target; a
 * minority of failing signals below the thresholds leaves the region Healthy (they are still listed in failingSignals).
 */
export function judgeRegion(region: string, signals: readonly SignalState[], when: UnhealthyWhen): RegionVerdict {
  const own = signals.filter((s) => s.region === region);
  const failing = own.filter((s) => s.health === "Unhealthy");
  const failingSignals = failing.map((s) => s.signal);
  const failingObservers = [...new Set(failing.map((s) => s.observer))];

  // At least one of each, so that a zero in the spec can never condemn a region with nothing failing.
  const enoughSignals = failing.length >= Math.max(1, when.failingSignals);
  const enoughObservers = failingObservers.length >= Math.max(1, when.quorum);

  let health: Health;
  if (enoughSignals && enoughObservers) {
    health = "Unhealthy";
  } else if (own.length === 0 || own.some((s) => s.health === "Unknown")) {
    health = "Unknown";
  } else {
    health = "Healthy";
  }
  return { region, health, failingSignals, failingObservers };
}
