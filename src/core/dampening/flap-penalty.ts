/**
 * Flap damping after BGP route-flap damping (RFC 2439): every health transition of a region adds a penalty that decays
 * exponentially; a region whose penalty climbs above suppressAbove is held out of automation until the penalty decays
 * below reuseBelow, and never longer than maxSuppressSeconds. Hysteresis (signal thresholds) filters noise within one
 * outage; this filters a region that keeps coming and going across outages.
 */
import { secondsToMs } from "../time.js";

export interface PenaltyConfig {
  /** Added on every Healthy↔Unhealthy transition. */
  perTransition: number;
  /** Seconds for the penalty to halve. */
  halfLifeSeconds: number;
  /** Suppression starts when the penalty rises above this. */
  suppressAbove: number;
  /** Suppression ends when the decayed penalty falls below this. */
  reuseBelow: number;
  /** Suppression never lasts longer than this, counted from its start. */
  maxSuppressSeconds: number;
}

export interface PenaltyState {
  /** Penalty as of updatedAt; read it through decayedValue, never directly. */
  value: number;
  /** Epoch ms at which value was exact. */
  updatedAt: number;
  /** Epoch ms at which the current suppression started; absent when not suppressed. */
  suppressedSince?: number;
}

export interface Suppression {
  suppressed: boolean;
  /** When suppression ends if nothing else flaps: the earlier of "decays below reuseBelow" and notAfter. */
  until?: number;
  /** The hard end of the current suppression (suppressedSince + maxSuppressSeconds), whatever happens meanwhile. */
  notAfter?: number;
  /** The state with an ended suppression cleared; store it. */
  state: PenaltyState;
}

export function initialPenalty(now: number): PenaltyState {
  return { value: 0, updatedAt: now };
}

/** value × 2^(−elapsed / halfLife). Time before updatedAt counts as no time, so a clock step back never adds penalty. */
export function decayedValue(state: PenaltyState, cfg: PenaltyConfig, now: number): number {
  const elapsedMs = Math.max(0, now - state.updatedAt);
  if (elapsedMs === 0) return state.value;
  if (cfg.halfLifeSeconds <= 0) return 0;
  return state.value * Math.pow(2, -elapsedMs / secondsToMs(cfg.halfLifeSeconds));
}

/**
 * The most penalty a region can carry. RFC 2439 caps it at reuseBelow × 2^(maxSuppress / halfLife): from there decay
 * reaches reuseBelow exactly maxSuppressSeconds after the last flap, so however long a region flapped, its penalty is
 * forgotten within maxSuppressSeconds once it stops. Where that cap would not exceed suppressAbove (a maxSuppressSeconds
 * shorter than the decay from suppressAbove to reuseBelow), RFC routers silently never suppress; we lift the cap to
 * suppressAbove + perTransition instead so suppression stays reachable, and the hard limit in `suppression` still ends
 * it after maxSuppressSeconds. With reuseBelow 0 decay never gets "below" it, so there is no cap and only the hard
 * limit applies.
 */
export function penaltyCeiling(cfg: PenaltyConfig): number {
  if (cfg.reuseBelow <= 0 || cfg.halfLifeSeconds <= 0) return Infinity;
  const rfcCeiling = cfg.reuseBelow * Math.pow(2, cfg.maxSuppressSeconds / cfg.halfLifeSeconds);
  return Math.max(rfcCeiling, cfg.suppressAbove + cfg.perTransition);
}

/**
 * Records one flap at `now`: settle any suppression that has already ended, decay, add perTransition, cap, and start a
 * suppression when the penalty rises above suppressAbove. A suppression in progress keeps its start, so more flapping
 * cannot push its hard end (suppressedSince + maxSuppressSeconds) further out.
 */
export function recordFlap(state: PenaltyState, cfg: PenaltyConfig, now: number): PenaltyState {
  const settled = suppression(state, cfg, now).state;
  // Never move updatedAt backwards: decay is measured forward from it.
  const at = Math.max(now, settled.updatedAt);
  const value = Math.min(decayedValue(settled, cfg, at) + cfg.perTransition, penaltyCeiling(cfg));
  const suppressedSince = settled.suppressedSince ?? (value > cfg.suppressAbove ? at : undefined);
  return suppressedSince === undefined ? { value, updatedAt: at } : { value, updatedAt: at, suppressedSince };
}

/** Epoch ms at which the decayed penalty reaches reuseBelow (rounded up to whole ms). */
function reuseAt(state: PenaltyState, cfg: PenaltyConfig): number {
  if (cfg.reuseBelow <= 0) return Infinity;
  if (state.value <= cfg.reuseBelow) return state.updatedAt;
  if (cfg.halfLifeSeconds <= 0) return state.updatedAt;
  return Math.ceil(state.updatedAt + secondsToMs(cfg.halfLifeSeconds) * Math.log2(state.value / cfg.reuseBelow));
}

/**
 * Whether the region is suppressed at `now`. Suppression ends at the predicted `until` (the earlier of reaching
 * reuseBelow and suppressedSince + maxSuppressSeconds); defining the end by that one instant keeps `suppressed` and
 * `until` consistent to the millisecond instead of depending on floating-point comparisons at the boundary. The
 * returned state differs from the input only by clearing an ended suppression; the penalty itself is left as stored
 * (decay is computed on read), so calling this often or rarely gives the same answers.
 */
export function suppression(state: PenaltyState, cfg: PenaltyConfig, now: number): Suppression {
  if (state.suppressedSince === undefined) return { suppressed: false, state };
  const notAfter = state.suppressedSince + secondsToMs(Math.max(0, cfg.maxSuppressSeconds));
  const until = Math.min(reuseAt(state, cfg), notAfter);
  if (now >= until) return { suppressed: false, state: { value: state.value, updatedAt: state.updatedAt } };
  return { suppressed: true, until, notAfter, state };
}
