/**
 * Hysteresis for one signal: raw pass/fail samples become a dampened health only after enough consecutive results agree,
 * so a single slow response neither fails a region over nor declares a broken one recovered.
 */
import type { RegionPolicySpecSignal } from "../../crds/generated/regionpolicies.js";

export type Health = "Healthy" | "Unhealthy" | "Unknown";

/** Route53's health checkers: an observer outside every region, so it can confirm or contradict our own probes. */
export const ROUTE53_OBSERVER = "route53";

/** The identity of a signal: its name within one region. JSON keeps the pair unambiguous whatever the names contain. */
export function signalKey(signal: string, region: string): string {
  return JSON.stringify([signal, region]);
}

export interface SignalState {
  /** Signal name; (signal, region) is the key, as in spec.signals. */
  signal: string;
  region: string;
  /** Who saw the samples: "controller/<local region>" or "route53". Region health counts distinct observers. */
  observer: string;
  health: Health;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Time of the newest accepted sample (epoch ms). */
  lastSampleAt?: number;
  lastDetail?: string;
}

export interface Sample {
  ok: boolean;
  /** When the sample was taken (epoch ms), not when it reached the evaluator. */
  at: number;
  detail?: string;
}

export interface Thresholds {
  /** Consecutive failing samples before the signal counts as Unhealthy. */
  failureThreshold: number;
  /** Consecutive passing samples before the signal counts as Healthy. */
  successThreshold: number;
}

/** A signal we have not heard from yet: Unknown, so a fresh controller neither fails over nor fails back on no data. */
export function initialSignalState(signal: string, region: string, observer: string): SignalState {
  return { signal, region, observer, health: "Unknown", consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/**
 * Which observer a signal's samples come from. Only a route53HealthCheck signal is seen by someone other than this
 * controller: http, prometheus and workload signals are all read by this controller (even when they describe another
 * region), so they share one observer and together cannot satisfy a quorum of two (invariant 3).
 */
export function observerFor(signal: Pick<RegionPolicySpecSignal, "route53HealthCheck">, localRegion: string): string {
  return signal.route53HealthCheck !== undefined ? ROUTE53_OBSERVER : `controller/${localRegion}`;
}

/**
 * Applies one sample. A sample not newer than the last accepted one is ignored: it arrived out of order, or it is the
 * same observation delivered twice (e.g. re-evaluated after a restart), and counting it would break "consecutive".
 * A sample without a usable time is ignored too: it could never be ordered against the others.
 *
 * Health turns Unhealthy when the failure run reaches failureThreshold and Healthy when the success run reaches
 * successThreshold; in between it keeps its previous value, which is the hysteresis. `>=` rather than `===` only matters
 * when the thresholds are lowered by a spec change in the middle of a run: the run then counts at once.
 */
export function recordSample(state: SignalState, sample: Sample, thresholds: Thresholds): SignalState {
  if (!Number.isFinite(sample.at)) return state;
  if (state.lastSampleAt !== undefined && sample.at <= state.lastSampleAt) return state;

  const failureThreshold = Math.max(1, thresholds.failureThreshold);
  const successThreshold = Math.max(1, thresholds.successThreshold);
  const consecutiveFailures = sample.ok ? 0 : state.consecutiveFailures + 1;
  const consecutiveSuccesses = sample.ok ? state.consecutiveSuccesses + 1 : 0;

  let health = state.health;
  if (!sample.ok && consecutiveFailures >= failureThreshold) health = "Unhealthy";
  if (sample.ok && consecutiveSuccesses >= successThreshold) health = "Healthy";

  // lastDetail describes the last sample only; built without undefined fields so the state survives JSON unchanged.
  const { lastDetail: _previousDetail, ...rest } = state;
  const next: SignalState = { ...rest, health, consecutiveFailures, consecutiveSuccesses, lastSampleAt: sample.at };
  return sample.detail === undefined ? next : { ...next, lastDetail: sample.detail };
}
