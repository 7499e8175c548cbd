/**
 * The whole evaluator: observations + the state kept since the last evaluation → new state, region verdicts and a
 * decision. Pure, deterministic and total: any spec (defaults resolved), any state (possibly from an older spec) and
 * any batch of samples give an answer; the shell persists `state` and acts on `decision`.
 */
import { decide, type Decision, type RegionView } from "./decision/decide.js";
import { decayedValue, suppression, type PenaltyConfig } from "./dampening/flap-penalty.js";
import type { SystemDampening } from "./dampening/transition-log.js";
import { advanceRegion, initialRegionState, type RegionState } from "./dampening/region-tracker.js";
import { judgeRegion, localViews, type ObserverView, type RegionVerdict } from "./health/region-health.js";
import {
  initialSignalState,
  observerFor,
  recordSample,
  signalKey,
  type Sample,
  type SignalState,
} from "./health/signal-health.js";
import type { PolicyRegion, ResolvedPolicy } from "./policy.js";

export interface EvaluationState {
  /** One per spec signal, keyed by (signal, region). */
  signals: SignalState[];
  /** One per spec region. */
  regions: RegionState[];
  /** Epoch ms of the last automatic failover or failback; set by the shell when it starts one, carried through here. */
  lastAutomaticTransitionAt?: number;
}

export interface ObservedSample extends Sample {
  signal: string;
  region: string;
}

export interface EvaluationContext {
  /** The active region from the fencing record. */
  activeRegion: string;
  /** A FailoverRun of this policy in this cluster that has not finished yet, by name; false when there is none. */
  runInProgress: false | string;
  /**
   * The system's dampening from the fencing record (every controller's moves): hold-down, suppression and the move
   * in progress. Absent without fencing; then only this controller's own history bounds its moves.
   */
  system?: SystemDampening;
  /** The region this controller runs in; names the observer of its own probes. */
  localRegion: string;
  /**
   * The other regions' controllers' views, as they published them (each in its own cluster's status). Views older
   * than peerViewMaxAgeMs, and any claiming an observer this controller keeps itself, are left out.
   */
  peerViews?: readonly ObserverView[];
  now: number;
}

/**
 * A peer's view older than this is absent. A controller refreshes its published view at least every minute (and at
 * once when a verdict changes), so a view this old means the peer, or the way to it, is gone.
 */
export const peerViewMaxAgeMs = 150_000;

/** Everything status.regions[] needs for one region, as of `now`. */
export interface RegionReport extends RegionView {
  since: number;
  /** Flap penalty decayed to `now`. */
  penalty: number;
  /** Hard end of the current suppression (suppressedSince + maxSuppressSeconds). */
  suppressedNotAfter?: number;
}

export interface Evaluation {
  state: EvaluationState;
  /** In spec order. */
  verdicts: RegionVerdict[];
  /** This controller's own view of every region, for its peers (published in status). */
  view: ObserverView;
  /** Every view the verdicts rest on: this controller's observers' and the fresh peers'. */
  views: ObserverView[];
  /** In spec order. */
  regions: RegionReport[];
  decision: Decision;
}

const EMPTY_STATE: EvaluationState = { signals: [], regions: [] };

/**
 * Keeps the state of every signal still in the spec, starts new ones Unknown and drops removed ones. A signal whose
 * observer changed (its source switched to or from route53HealthCheck) starts over: its history was someone else's.
 */
function currentSignals(policy: ResolvedPolicy, previous: readonly SignalState[], localRegion: string): SignalState[] {
  const regions = new Set(policy.regions.map((r) => r.name));
  const byKey = new Map(previous.map((s) => [signalKey(s.signal, s.region), s]));
  const seen = new Set<string>();
  const result: SignalState[] = [];
  for (const spec of policy.signals) {
    const key = signalKey(spec.name, spec.region);
    if (!regions.has(spec.region) || seen.has(key)) continue;
    seen.add(key);
    const observer = observerFor(spec, localRegion);
    const kept = byKey.get(key);
    result.push(kept?.observer === observer ? kept : initialSignalState(spec.name, spec.region, observer));
  }
  return result;
}

/**
 * Applies samples oldest first (a stable sort, so equal times keep their batch order), so a batch need not arrive
 * sorted. Samples for signals not in the spec are ignored, and so are samples dated after `now`: a future timestamp
 * would otherwise make every later sample look out of order and freeze the signal.
 */
function applySamples(
  signals: SignalState[],
  samples: readonly ObservedSample[],
  policy: ResolvedPolicy,
  now: number,
): SignalState[] {
  const index = new Map(signals.map((s, i) => [signalKey(s.signal, s.region), i]));
  const next = [...signals];
  const ordered = samples.filter((s) => Number.isFinite(s.at) && s.at <= now).sort((a, b) => a.at - b.at);
  for (const sample of ordered) {
    const i = index.get(signalKey(sample.signal, sample.region));
    const current = i === undefined ? undefined : next[i];
    if (i === undefined || current === undefined) continue;
    next[i] = recordSample(current, sample, policy.dampening);
  }
  return next;
}

function reportRegion(
  region: PolicyRegion,
  verdict: RegionVerdict,
  tracked: RegionState,
  cfg: PenaltyConfig,
  now: number,
): RegionReport {
  const s = suppression(tracked.penalty, cfg, now);
  const report: RegionReport = {
    name: region.name,
    role: region.role,
    health: tracked.health,
    since: tracked.since,
    failingSignals: verdict.failingSignals,
    penalty: decayedValue(tracked.penalty, cfg, now),
    suppressed: s.suppressed,
  };
  if (s.until !== undefined) report.suppressedUntil = s.until;
  if (s.notAfter !== undefined) report.suppressedNotAfter = s.notAfter;
  return report;
}

/** This controller's observers' views (its own, Route53's) and the peers' that are fresh and not its own. */
function gatherViews(
  policy: ResolvedPolicy,
  signals: readonly SignalState[],
  context: EvaluationContext,
): { view: ObserverView; views: ObserverView[] } {
  const { now } = context;
  const names = policy.regions.map((r) => r.name);
  const self = `controller/${context.localRegion}`;
  const own = localViews(names, signals, policy.regionUnhealthyWhen.failingSignals, now);
  const view = own.find((v) => v.observer === self) ?? {
    observer: self,
    at: now,
    regions: names.map((region) => ({ region, health: "Unknown" as const, failingSignals: [] })),
  };
  const kept = new Set([self, ...own.map((v) => v.observer)]);
  const peers = (context.peerViews ?? []).filter(
    (v) => !kept.has(v.observer) && Math.abs(now - v.at) <= peerViewMaxAgeMs,
  );
  return { view, views: [...own, ...peers] };
}

/** Hold-down counts from the later of the system's last transition and this controller's own last automatic start. */
function lastTransition(local: number | undefined, system: SystemDampening | undefined) {
  const times = [local, system?.lastTransitionAt].filter((t): t is number => t !== undefined);
  return times.length === 0 ? {} : { lastAutomaticTransitionAt: Math.max(...times) };
}

function systemMove(system: SystemDampening | undefined): false | string {
  const move = system?.moveInProgress;
  if (move === undefined) return false;
  return move.run ?? "named by no one (the fencing record's move)";
}

export function evaluatePolicy(
  policy: ResolvedPolicy,
  state: EvaluationState | undefined,
  samples: readonly ObservedSample[],
  context: EvaluationContext,
): Evaluation {
  const { now } = context;
  const previous = state ?? EMPTY_STATE;
  const penaltyConfig = policy.dampening.flapPenalty;

  const signals = applySamples(currentSignals(policy, previous.signals, context.localRegion), samples, policy, now);

  const { view, views } = gatherViews(policy, signals, context);

  const previousRegions = new Map(previous.regions.map((r) => [r.name, r]));
  const perRegion = policy.regions.map((r) => {
    const verdict = judgeRegion(r.name, views, policy.regionUnhealthyWhen.quorum);
    const tracked = advanceRegion(
      previousRegions.get(r.name) ?? initialRegionState(r.name, now),
      verdict,
      penaltyConfig,
      now,
    );
    return { verdict, tracked, report: reportRegion(r, verdict, tracked, penaltyConfig, now) };
  });
  const verdicts = perRegion.map((x) => x.verdict);
  const regions = perRegion.map((x) => x.report);

  const decision = decide({
    mode: policy.automation.mode,
    failback: policy.automation.failback,
    regions,
    activeRegion: context.activeRegion,
    holdDownSeconds: policy.dampening.holdDownSeconds,
    ...lastTransition(previous.lastAutomaticTransitionAt, context.system),
    runInProgress: context.runInProgress === false ? systemMove(context.system) : context.runInProgress,
    ...(context.system?.suppressed
      ? {
          systemSuppression: {
            penalty: context.system.penalty,
            ...(context.system.suppressedUntil === undefined ? {} : { until: context.system.suppressedUntil }),
          },
        }
      : {}),
    now,
  });

  const nextState: EvaluationState = { signals, regions: perRegion.map((x) => x.tracked) };
  if (previous.lastAutomaticTransitionAt !== undefined) {
    nextState.lastAutomaticTransitionAt = previous.lastAutomaticTransitionAt;
  }
  return { state: nextState, verdicts, view, views, regions, decision };
}
