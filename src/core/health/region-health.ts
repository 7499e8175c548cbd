/**
 * A region's verdict by quorum (invariant 3). Every region's controller observes every region, and Route53's checkers
 * are one more observer; each observer first judges each region from its own signals alone (its view), and the
 * verdict then needs a quorum of distinct observers agreeing — both ways: Unhealthy only when a quorum condemns the
 * region, and Healthy (a failover or failback target) only when a quorum finds it Healthy. A controller cut off from a
 * region sees every probe fail, and its word alone must not move the writer; a region's own controller finding itself
 * fine must not make it a target either. An observer that cannot be heard from is absent, not failing.
 */
import type { Health, SignalState } from "./signal-health.js";

export interface UnhealthyWhen {
  /** An observer condemns a region when this many of its signals of the region fail (all of them if it has fewer). */
  failingSignals: number;
  /** Distinct observers that must agree, for Unhealthy and for Healthy alike. */
  quorum: number;
}

/** One observer's judgement of one region, from that observer's signals only. */
export interface RegionObservation {
  region: string;
  health: Health;
  /** Names of the observer's Unhealthy signals of the region. */
  failingSignals: string[];
}

/** What one observer sees of every region: the local controller's own, a peer's (from its status), or Route53's. */
export interface ObserverView {
  /** "controller/<region>" or "route53". */
  observer: string;
  /** When the observer last judged (epoch ms); a view older than the evaluator's limit counts as absent. */
  at: number;
  regions: RegionObservation[];
}

export interface RegionVerdict {
  region: string;
  health: Health;
  /** Names of the region's failing signals as the condemning observers saw them (or every observer, short of a quorum). */
  failingSignals: string[];
  /** Observers that find the region Unhealthy, in order of the views. */
  failingObservers: string[];
  /** Observers that find the region Healthy, in order of the views. */
  healthyObservers: string[];
}

/**
 * One observer's judgement of a region. Unknown when the observer has no signal of the region or any of them is
 * Unknown: a region it cannot fully see is no evidence either way.
 */
function observe(region: string, signals: readonly SignalState[], failingSignals: number): RegionObservation {
  const failing = signals.filter((s) => s.health === "Unhealthy").map((s) => s.signal);
  // At least one, so that a zero in the spec can never condemn a region with nothing failing.
  const needed = Math.max(1, Math.min(failingSignals, signals.length));
  let health: Health;
  if (signals.length > 0 && failing.length >= needed) health = "Unhealthy";
  else if (signals.length === 0 || signals.some((s) => s.health === "Unknown")) health = "Unknown";
  else health = "Healthy";
  return { region, health, failingSignals: failing };
}

/** The views of the observers whose signals this controller keeps (itself, and Route53 when a check is declared). */
export function localViews(
  regions: readonly string[],
  signals: readonly SignalState[],
  failingSignals: number,
  at: number,
): ObserverView[] {
  const observers = [...new Set(signals.map((s) => s.observer))];
  return observers.map((observer) => ({
    observer,
    at,
    regions: regions.map((region) =>
      observe(
        region,
        signals.filter((s) => s.observer === observer && s.region === region),
        failingSignals,
      ),
    ),
  }));
}

/**
 * The verdict from every observer's view of the region. A quorum of Unhealthy wins over a quorum of Healthy (with
 * quorum 1 and two observers disagreeing, the region is not a safe place for the writer); neither quorum is Unknown.
 */
export function judgeRegion(region: string, views: readonly ObserverView[], quorum: number): RegionVerdict {
  const seen = views.flatMap((v) => {
    const o = v.regions.find((r) => r.region === region);
    return o === undefined ? [] : [{ observer: v.observer, ...o }];
  });
  const failing = seen.filter((o) => o.health === "Unhealthy");
  const healthy = seen.filter((o) => o.health === "Healthy");
  const needed = Math.max(1, quorum);
  let health: Health = "Unknown";
  if (failing.length >= needed) health = "Unhealthy";
  else if (healthy.length >= needed) health = "Healthy";
  return {
    region,
    health,
    failingSignals: [...new Set(failing.flatMap((o) => o.failingSignals))],
    failingObservers: failing.map((o) => o.observer),
    healthyObservers: healthy.map((o) => o.observer),
  };
}
