/**
 * A scenario: the policy, what each observer sees of each region over time, and the world's timings and faults.
 * Times are milliseconds from the scenario's start; the world adds an epoch base before handing them to the logic.
 */
import type { SimPolicy } from "./logic.js";

/** A region is down from `at` for `downMs`, then up for `upMs`, `repeat` times over (repeat > 1: flapping). */
export interface Outage {
  at: number;
  downMs: number;
  repeat: number;
  upMs: number;
}

/**
 * One observer sees a region other than it is between `from` and `to`: a partition (cut off, sees it down) or an
 * asymmetric view (sees it up while others see it down).
 */
export interface ViewOverride {
  observer: string;
  region: string;
  from: number;
  to: number;
  up: boolean;
}

export interface Crash {
  region: string;
  at: number;
  downMs: number;
}

export interface Timing {
  /** Offset of each controller's reconcile within the interval, by region. */
  phaseMs: Record<string, number>;
  /** Between reading the record and Route53 applying the batch. */
  casLatencyMs: number;
  freezeMs: number;
  promotionMs: number;
  /** The plan's waitFor on the new region. */
  waitMs: number;
  /** The plan's approval step; 0: the plan has none. */
  approvalMs: number;
  /** How long a controller's fencing record read is reused (the runtime's cache). */
  cacheMs: number;
  /** How stale a peer's status may be when read (a watch's delivery delay). */
  peerLagMs: number;
}

/** A run some cluster holds but no controller will execute (a wrong `to`, a dry run in the wrong cluster). */
export interface StrayRun {
  cluster: string;
  from: string;
  to: string;
  at: number;
}

export interface Scenario {
  policy: SimPolicy;
  durationMs: number;
  /** What every observer sees of a region, unless an override says otherwise. Regions start up. */
  outages: Record<string, Outage[]>;
  overrides: ViewOverride[];
  crashes: Crash[];
  timing: Timing;
  stray?: StrayRun;
}

export const ROUTE53 = "route53";
export const controllerOf = (region: string): string => `controller/${region}`;

/** Every observer of the policy: each region's controller, and Route53's checkers when the policy has such signals. */
export function observersOf(policy: SimPolicy): string[] {
  const controllers = policy.regions.map((r) => controllerOf(r.name));
  return policy.route53Signals ? [...controllers, ROUTE53] : controllers;
}

/**
 * The quorum the properties demand. An explicit quorum is the user's; unset, the safe default applies: one
 * observer's word never moves the writer (invariant 3, "no move on one observer's word").
 */
export function requiredQuorum(policy: SimPolicy): number {
  return policy.quorum ?? 2;
}
