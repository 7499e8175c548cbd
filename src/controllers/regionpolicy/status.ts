/**
 * RegionPolicy status ⇄ evaluator state, as pure functions. The status is the evaluator's memory (so a new leader
 * continues where the old one stopped) and the user's view (health, penalties, the last decision, conditions).
 */
import { setCondition, type Condition } from "../../core/conditions.js";
import type { Decision } from "../../core/decision/decide.js";
import { Reason } from "../../core/decision/reasons.js";
import type { Evaluation, EvaluationState } from "../../core/evaluate.js";
import { parseTime, toRfc3339, toRfc3339Millis } from "../../core/time.js";
import { pausedAnnotation } from "../../crds/definitions.js";
import type { RegionPolicy, RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";

export function stateFromStatus(status: RegionPolicyStatus | undefined, now: number): EvaluationState {
  const state: EvaluationState = {
    signals: (status?.signals ?? []).map((s) => {
      const signal: EvaluationState["signals"][number] = {
        signal: s.name,
        region: s.region,
        observer: s.observer ?? "",
        health: s.health ?? "Unknown",
        consecutiveFailures: s.consecutiveFailures ?? 0,
        consecutiveSuccesses: s.consecutiveSuccesses ?? 0,
      };
      const last = parseTime(s.lastSampleTime);
      if (last !== undefined) signal.lastSampleAt = last;
      if (s.lastDetail !== undefined) signal.lastDetail = s.lastDetail;
      return signal;
    }),
    regions: (status?.regions ?? []).map((r) => {
      const region: EvaluationState["regions"][number] = {
        name: r.name,
        health: r.health ?? "Unknown",
        since: parseTime(r.since) ?? now,
        penalty: { value: r.penalty ?? 0, updatedAt: parseTime(r.penaltyTime) ?? now },
      };
      const suppressedSince = parseTime(r.suppressedSince);
      if (suppressedSince !== undefined) region.penalty.suppressedSince = suppressedSince;
      if (r.lastKnownHealth !== undefined) region.lastKnownHealth = r.lastKnownHealth;
      return region;
    }),
  };
  const last = parseTime(status?.lastAutomaticTransitionTime);
  if (last !== undefined) state.lastAutomaticTransitionAt = last;
  return state;
}

export interface StatusContext {
  policy: RegionPolicy;
  evaluation: Evaluation;
  activeRegion: string;
  /** The fencing epoch; undefined when the record was never read (a fake 0 would look like a fresh policy). */
  epoch?: number;
  /** Set when fencing is configured: whether the record could be read now, and why not. */
  fencingRead?: { ok: true } | { ok: false; message: string };
  /** Set when this reconcile started an automatic move (a run was created). */
  startedRun?: string;
  /** The policy's thresholds: consecutive counts are stored up to them (see below). */
  thresholds: { failureThreshold: number; successThreshold: number };
  /** This controller's role by the fencing record (absent without fencing). */
  fence?: { role: "active" | "fenced"; reason: string; message: string };
  /** Why the policy cannot act (plan missing, …); Ready=False with this reason. */
  notReady?: { reason: string; message: string };
  /** Set when the loss of a whole region could not be judged by a quorum (RegionLossDetectable=False). */
  regionLoss?: { message: string };
  /** the kill switch annotation is set */
  paused?: boolean;
  /** Flap suppression of the policy's own transitions, from the fencing record (every controller's moves). */
  systemSuppression?: { penalty: number; until?: number };
  /** The epoch at which this cluster's roleState.active was applied (self-fencing.ts). */
  activeRoleStateEpoch?: number;
  now: number;
}

function sameDecision(a: RegionPolicyStatus["lastDecision"], b: Decision): boolean {
  return a?.decision === b.kind && a.from === b.from && a.to === b.to && a.reason === b.reason;
}

export function statusFromEvaluation(ctx: StatusContext): RegionPolicyStatus {
  const { policy, evaluation, now } = ctx;
  const previous = policy.status ?? {};
  const generation = policy.metadata.generation ?? 0;
  const state = evaluation.state;
  const stateByRegion = new Map(state.regions.map((r) => [r.name, r]));

  const verdicts = new Map(evaluation.verdicts.map((v) => [v.region, v]));
  const regions = evaluation.regions.map((report) => {
    const tracked = stateByRegion.get(report.name);
    const verdict = verdicts.get(report.name);
    const region: NonNullable<RegionPolicyStatus["regions"]>[number] = {
      name: report.name,
      health: report.health,
      since: toRfc3339(report.since),
      failingSignals: [...(report.failingSignals ?? [])],
      penalty: Math.round((tracked?.penalty.value ?? 0) * 1000) / 1000,
      penaltyTime: toRfc3339Millis(tracked?.penalty.updatedAt ?? now),
      failingObservers: [...(verdict?.failingObservers ?? [])],
      healthyObservers: [...(verdict?.healthyObservers ?? [])],
    };
    if (tracked?.lastKnownHealth !== undefined) region.lastKnownHealth = tracked.lastKnownHealth;
    if (tracked?.penalty.suppressedSince !== undefined)
      region.suppressedSince = toRfc3339Millis(tracked.penalty.suppressedSince);
    if (report.suppressed && report.suppressedUntil !== undefined)
      region.suppressedUntil = toRfc3339(report.suppressedUntil);
    return region;
  });

  const signals = state.signals.map((s) => {
    const signal: NonNullable<RegionPolicyStatus["signals"]>[number] = {
      name: s.signal,
      region: s.region,
      observer: s.observer,
      health: s.health,
      // Counting beyond a threshold changes no decision, so the stored counts stop there: a steady signal then leaves
      // status unchanged and costs no write per sample.
      consecutiveFailures: Math.min(s.consecutiveFailures, ctx.thresholds.failureThreshold),
      consecutiveSuccesses: Math.min(s.consecutiveSuccesses, ctx.thresholds.successThreshold),
    };
    if (s.lastSampleAt !== undefined) signal.lastSampleTime = toRfc3339Millis(s.lastSampleAt);
    if (s.lastDetail !== undefined) signal.lastDetail = s.lastDetail.slice(0, 1024);
    return signal;
  });

  const decision = evaluation.decision;
  let lastDecision: NonNullable<RegionPolicyStatus["lastDecision"]>;
  if (decision.reason === Reason.RunInProgress && previous.lastDecision?.runRef) {
    // Waiting for a run is not a new decision: the one that started the run stays on record, with its run.
    lastDecision = previous.lastDecision;
  } else if (sameDecision(previous.lastDecision, decision) && !ctx.startedRun) {
    lastDecision = { ...previous.lastDecision, message: decision.message };
  } else {
    lastDecision = {
      time: toRfc3339(now),
      decision: decision.kind,
      reason: decision.reason,
      message: decision.message,
    };
    if (decision.from !== undefined) lastDecision.from = decision.from;
    if (decision.to !== undefined) lastDecision.to = decision.to;
    if (ctx.startedRun) lastDecision.runRef = { name: ctx.startedRun };
  }

  let conditions: Condition[] = previous.conditions ?? [];
  const set = (type: string, status: Condition["status"], reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message, observedGeneration: generation }, now);
  };
  if (ctx.notReady) set("Ready", "False", ctx.notReady.reason, ctx.notReady.message);
  else set("Ready", "True", "Evaluating", `Evaluating ${signals.length} signal(s) across ${regions.length} region(s)`);
  const unwell = evaluation.regions.filter((r) => r.health !== "Healthy");
  if (unwell.length > 0) {
    set("Degraded", "True", "RegionNotHealthy", unwell.map((r) => `${r.name} is ${r.health}`).join("; "));
  } else {
    set("Degraded", "False", "AllRegionsHealthy", "Every region is Healthy");
  }
  const suppressed = evaluation.regions.filter((r) => r.suppressed);
  const system = ctx.systemSuppression;
  if (suppressed.length > 0 || system) {
    const until = suppressed.map((r) => `${r.name} until ${r.suppressedUntil ? toRfc3339(r.suppressedUntil) : "?"}`);
    if (system) {
      until.unshift(
        `the policy's transitions (penalty ${Math.round(system.penalty)}) until ${system.until ? toRfc3339(system.until) : "?"}`,
      );
    }
    set("FlapSuppressed", "True", "FlapSuppressed", `Flap damping holds automation back: ${until.join(", ")}`);
  } else {
    set("FlapSuppressed", "False", "NotSuppressed", "No region is suppressed by flap damping");
  }

  if (ctx.paused) {
    set("Paused", "True", "KillSwitch", `Automation is paused by the ${pausedAnnotation} annotation`);
  } else {
    set("Paused", "False", "NotPaused", "Automation follows spec.automation.mode");
  }

  if (ctx.regionLoss) set("RegionLossDetectable", "False", "QuorumNeedsLostRegion", ctx.regionLoss.message);
  else set("RegionLossDetectable", "True", "QuorumSurvivesRegionLoss", "A quorum of observers outlives any one region");

  if (ctx.fencingRead?.ok === false) {
    set("FencingRecordReadable", "False", "FencingRecordUnreadable", ctx.fencingRead.message);
  } else if (ctx.fencingRead) {
    set("FencingRecordReadable", "True", "FencingRecordRead", "The fencing record was read from Route53");
  }
  if (ctx.fence) {
    set("Fenced", ctx.fence.role === "fenced" ? "True" : "False", ctx.fence.reason, ctx.fence.message);
  }

  const status: RegionPolicyStatus = {
    observedGeneration: generation,
    activeRegion: ctx.activeRegion,
    ...(ctx.epoch === undefined ? {} : { epoch: ctx.epoch }),
    regions,
    signals,
    lastDecision,
    conditions,
    view: {
      observer: evaluation.view.observer,
      time: toRfc3339(evaluation.view.at),
      regions: evaluation.view.regions.map((r) => ({
        name: r.region,
        health: r.health,
        failingSignals: r.failingSignals.slice(0, 64),
      })),
    },
  };
  if (ctx.activeRoleStateEpoch !== undefined) status.activeRoleStateEpoch = ctx.activeRoleStateEpoch;
  const lastTransition = ctx.startedRun ? now : state.lastAutomaticTransitionAt;
  if (lastTransition !== undefined) status.lastAutomaticTransitionTime = toRfc3339Millis(lastTransition);
  return status;
}
