/**
 * Today's controller logic behind the simulation's contract: the real core (evaluatePolicy, selfFence, guardStep,
 * the fencing record's format) driven the way regionpolicy/reconcile.ts, self-fencing.ts and the route53 and
 * auroraGlobal levers drive it. Only the adapters (and core-fixtures.ts, what they build alike) import the core or
 * the shell: when the core changes, a new adapter beside this one is all the simulation needs.
 */
import type { Evaluation, EvaluationState, ObservedSample } from "../../src/core/evaluate.js";
import { evaluatePolicy } from "../../src/core/evaluate.js";
import type { Health } from "../../src/core/health/signal-health.js";
import { formatFencingValue, nextFencingRecord, selfFence, type FencingRecord } from "../../src/core/plan/fencing.js";
import { guardStep } from "../../src/core/plan/guards.js";
import { resolvePolicy, type ResolvedPolicy } from "../../src/core/policy.js";
import { stateFromStatus, statusFromEvaluation } from "../../src/controllers/regionpolicy/status.js";
import type { RegionPolicySpec } from "../../src/crds/generated/regionpolicies.js";
import { automatic, auroraStep, parseRecord as parse, policyObject, route53Step, specFor } from "./core-fixtures.js";
import type { ControllerLogic, RunView, SimPolicy, StepInput } from "./logic.js";

/**
 * The part of a RegionPolicy status this logic reads back. The shell round-trips the evaluator's state through the
 * status on every reconcile (stateFromStatus ∘ statusFromEvaluation); keeping the state itself is equivalent between
 * writes (the round trip only drops what no decision reads: sub-second `since`, counts beyond the thresholds, a
 * rounded penalty), and restart() performs the real round trip, where a difference could show.
 */
export interface TodayStatus {
  state: EvaluationState;
  evaluation?: Evaluation;
  activeRegion?: string;
  epoch?: number;
  health: Record<string, Health>;
}

/** Resolving the spec costs more than a reconcile's evaluation, so it is done once per policy object. */
const resolved = new WeakMap<SimPolicy, { spec: RegionPolicySpec; policy: ResolvedPolicy }>();

function specOf(policy: SimPolicy): { spec: RegionPolicySpec; policy: ResolvedPolicy } {
  const hit = resolved.get(policy);
  if (hit) return hit;
  const spec = specFor(policy);
  const entry = { spec, policy: resolvePolicy(spec) };
  resolved.set(policy, entry);
  return entry;
}

/** runInProgress of reconcile.ts: a run of this cluster that has not finished (the sim's store is never behind). */
const inProgress = (runs: readonly RunView[]): false | string => runs.find((r) => r.phase === "Running")?.name ?? false;

/**
 * keepRoleState of self-fencing.ts: the fenced state at every reconcile, the active state once, when this region
 * becomes active at a new epoch (judged against the status before this reconcile's write); nothing without a record,
 * nothing on a record older than an epoch a run of this cluster has won.
 */
function roleState(
  local: string,
  previous: TodayStatus | undefined,
  record: FencingRecord | undefined,
  runs: readonly RunView[],
): "active" | "fenced" | undefined {
  const verdict = selfFence(local, previous?.epoch, record);
  if (verdict.epoch === undefined || record === undefined) return undefined;
  const wonEpoch = Math.max(0, ...runs.map((r) => r.epoch ?? 0));
  if (verdict.epoch < wonEpoch) return undefined;
  const newlyActive = previous?.activeRegion !== local || previous.epoch !== record.epoch;
  if (verdict.role === "active" && !newlyActive) return undefined;
  return verdict.role;
}

export const todayLogic: ControllerLogic<TodayStatus> = {
  name: "today",

  initialRecord: (active) => formatFencingValue({ active, epoch: 1 }),

  parseRecord: (value) => parse(value),

  reconcile({ policy, localRegion, now, stored, samples, record: value, runs }) {
    const { policy: resolvedPolicy } = specOf(policy);
    const record = parse(value);
    // observeFence: the record when there is one, else what the status last knew, else the primary.
    const primary = policy.regions.find((r) => r.role === "primary")?.name ?? policy.regions[0]?.name ?? "";
    const activeRegion = record?.active ?? stored?.activeRegion ?? primary;
    const epoch = record?.epoch ?? stored?.epoch ?? 0;
    // A SimSample is an ObservedSample (signal, region, ok, at): the collectors' samples go in as they are.
    const observed: readonly ObservedSample[] = samples;
    const evaluation = evaluatePolicy(resolvedPolicy, stored?.state, observed, {
      activeRegion,
      runInProgress: inProgress(runs),
      localRegion,
      now,
    });
    const { decision } = evaluation;
    const isMove = (decision.kind === "Failover" || decision.kind === "Failback") && decision.from && decision.to;
    // The target region's controller executes a move; the status then records it as the last automatic transition.
    const startRun =
      isMove && decision.to === localRegion && decision.from !== undefined
        ? { kind: decision.kind as "Failover" | "Failback", from: decision.from, to: localRegion }
        : undefined;
    const state = startRun ? { ...evaluation.state, lastAutomaticTransitionAt: now } : evaluation.state;
    const health = Object.fromEntries(evaluation.regions.map((r) => [r.name, r.health]));
    const role = roleState(localRegion, stored, record, runs);
    const next: TodayStatus = { state, evaluation: { ...evaluation, state }, activeRegion, epoch, health };
    const arrow = decision.from && decision.to ? ` ${decision.from}→${decision.to}` : "";
    return {
      stored: next,
      ...(startRun ? { startRun } : {}),
      ...(role ? { role } : {}),
      report: {
        health,
        suppressed: evaluation.regions.some((r) => r.suppressed),
        decision: `${decision.kind}${arrow} (${decision.reason})`,
      },
    };
  },

  restart(stored, policy, now) {
    if (stored?.evaluation === undefined) return stored;
    const { spec, policy: resolvedPolicy } = specOf(policy);
    const status = statusFromEvaluation({
      policy: policyObject(spec),
      evaluation: stored.evaluation,
      activeRegion: stored.activeRegion ?? "",
      epoch: stored.epoch ?? 0,
      thresholds: resolvedPolicy.dampening,
      now,
    });
    return { ...stored, state: stateFromStatus(status, now) };
  },

  traffic({ run, record: value }: StepInput<TodayStatus>) {
    const record = parse(value);
    if (record?.active === run.to && record.run === run.name) return { type: "alreadyWon" };
    const verdict = guardStep(
      {
        step: route53Step(run),
        binding: { from: run.from, to: run.to },
        ...(record ? { fencingRecord: record } : {}),
      },
      automatic,
    );
    if (verdict.refusal) return { type: "refuse", reason: verdict.refusal.reason };
    return { type: "swap", next: formatFencingValue(nextFencingRecord(record, run.to, run.name)) };
  },

  promotion({ policy, run, record: value, stored }) {
    const record = parse(value);
    const verdict = guardStep(
      {
        step: auroraStep(run, policy),
        binding: { from: run.from, to: run.to },
        ...(run.epoch !== undefined ? { runEpoch: run.epoch } : {}),
        ...(record ? { fencingRecord: record } : {}),
      },
      automatic,
    );
    if (verdict.refusal) return { type: "refuse", reason: verdict.refusal.reason };
    // aurora-global.ts: a switchover unless the executing controller's status holds the source Unhealthy.
    const sourceHealthy = stored?.health[run.from] !== "Unhealthy";
    return { type: "call", mode: sourceHealthy ? "switchover" : "failover" };
  },
};
