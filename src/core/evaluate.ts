/**
 * The whole evaluator: observations + the state kept since the last evaluation → new state, region verdicts and a
 * decision. Pure, deterministic and total: any spec (defaults resolved), any state (possibly from an older spec) and
 * any batch of samples give an answer; the shell persists `state` and acts on `decision`.
 */
import { decide, type Decision, type RegionView } from "./decision/decide.js";
import { decayedValue, suppression, type PenaltyConfig } from "./dampening/flap-penalty.js";
import { advanceRegion, initialRegionState, type RegionState } from "./dampening/region-tracker.js";
import { judgeRegion, type RegionVerdict } from "./health/region-health.js";
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
  /** A FailoverRun of this policy has not finished yet. */
  runInProgress: boolean;
  /** The region this controller runs in; names the observer of its own probes. */
  localRegion: string;
  now: number;
}

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

  const previousRegions = new Map(previous.regions.map((r) => [r.name, r]));
  const perRegion = policy.regions.map((r) => {
    const verdict = judgeRegion(r.name, signals, policy.regionUnhealthyWhen);
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
    lastAutomaticTransitionAt: previous.lastAutomaticTransitionAt,
    runInProgress: context.runInProgress,
    now,
  });

  const nextState: EvaluationState = { signals, regions: perRegion.map((x) => x.tracked) };
  if (previous.lastAutomaticTransitionAt !== undefined) {
    nextState.lastAutomaticTransitionAt = previous.lastAutomaticTransitionAt;
  }
  return { state: nextState, verdicts, regions, decision };
}
