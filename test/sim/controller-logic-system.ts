/**
 * The new controller logic (issue 9: one system, not N controllers) behind the simulation's contract, modelling what
 * the shell does with the changed core:
 *
 * - reconcile: the active region and epoch from the (cached) fencing record; the system's dampening from the same
 *   record (systemDampening); the peers' published views (their stored status.view, as last read through the peer
 *   watch) as observers; runInProgress names an unfinished run of this cluster, while a stray run (a `to` that is not
 *   this region, or no region of the policy) is given Failed/NotExecutable at once and never counts; the target
 *   region's controller creates the run; an unreachable quorum is Ready=False and creates no run; the controller
 *   publishes its own view (evaluation.view) in its status;
 * - the plan: the traffic step reads the record fresh and runs guardStep with `automatic` set (boundedFlapping at the
 *   compare-and-swap; a refusal fails the run), then swaps to recordTransition(...); the promotion is a switchover
 *   unless the source is Unhealthy by the quorum verdict in the executing controller's status, and a data-losing
 *   failover passes dataLossRefusal (the simulation has no replication lag: lag 0 within an RPO objective); every step
 *   after the swap refuses once the fresh record no longer holds the run's epoch; a run's end swaps the record to
 *   recordRunFinished(...) (same epoch, the move no longer in progress), skipped when the record moved on;
 * - role state (self-fencing): the fenced state whenever the record names another region; the active state once per
 *   epoch, only where the record names this region and the run that won the epoch (record.run) has Succeeded in this
 *   cluster, or no such run exists here (a seeded record, a restart long after, a pruned run).
 *
 * With controller-logic.ts and their shared core-fixtures.ts, the only simulation modules importing the core or the
 * shell.
 */
import { recordRunFinished, recordTransition, systemDampening } from "../../src/core/dampening/transition-log.js";
import type { Evaluation, EvaluationState, ObservedSample } from "../../src/core/evaluate.js";
import { evaluatePolicy } from "../../src/core/evaluate.js";
import { unreachableQuorum } from "../../src/core/health/quorum.js";
import type { ObserverView } from "../../src/core/health/region-health.js";
import type { Health } from "../../src/core/health/signal-health.js";
import { dataLossRefusal } from "../../src/core/plan/data-loss.js";
import { formatFencingValue, selfFence, type FencingRecord } from "../../src/core/plan/fencing.js";
import { guardStep } from "../../src/core/plan/guards.js";
import { planDefaults } from "../../src/core/plan/steps.js";
import { resolvePolicy, type ResolvedPolicy } from "../../src/core/policy.js";
import { stateFromStatus, statusFromEvaluation } from "../../src/controllers/regionpolicy/status.js";
import type { RegionPolicySpec } from "../../src/crds/generated/regionpolicies.js";
import { automatic, auroraStep, parseRecord as parse, policyObject, route53Step, specFor } from "./core-fixtures.js";
import type { ControllerLogic, RunView, SimPolicy, StepInput } from "./logic.js";

/** What this logic keeps in its own cluster's RegionPolicy status (peers read `view`). */
export interface SystemStatus {
  state: EvaluationState;
  evaluation?: Evaluation;
  /** status.view: this controller's own view of every region, for its peers. */
  view?: ObserverView;
  activeRegion?: string;
  epoch?: number;
  /** The quorum verdicts (after dampening), as status.regions[].health. */
  health: Record<string, Health>;
  /** status.activeRoleStateEpoch: the epoch at which this cluster applied the active role state. */
  activeRoleStateEpoch?: number;
}

/** The plan's timeout (planDefaults): how long a move whose run never reports its end counts as in progress. */
const planTimeoutMs = planDefaults.timeoutSeconds * 1000;
/** The policy's objectives.rpoSeconds; the simulation measures no lag, so every data-losing call sees lag 0. */
const rpoSeconds = 60;
const measuredLagSeconds = 0;

interface Resolved {
  spec: RegionPolicySpec;
  policy: ResolvedPolicy;
  names: Set<string>;
  configError?: string;
}

const resolved = new WeakMap<SimPolicy, Resolved>();

function specOf(policy: SimPolicy): Resolved {
  const hit = resolved.get(policy);
  if (hit) return hit;
  const spec = specFor(policy);
  const resolvedPolicy = resolvePolicy(spec);
  const problem = unreachableQuorum(resolvedPolicy);
  const entry: Resolved = {
    spec,
    policy: resolvedPolicy,
    names: new Set(policy.regions.map((r) => r.name)),
    ...(problem ? { configError: `${problem.field}: ${problem.message}` } : {}),
  };
  resolved.set(policy, entry);
  return entry;
}

/** A run of this cluster that its controller will never execute: not towards this region, or towards no region. */
const isStray = (run: RunView, local: string, names: Set<string>): boolean => run.to !== local || !names.has(run.to);

/**
 * Self-fencing, the new rule: fenced whenever the record names another region (or regressed below the epoch this
 * region acted under); active once per epoch, and only after the run that won it succeeded here (or when no such run
 * is in this cluster). A record older than an epoch a run of this cluster has won is a stale cached read: no change.
 */
function roleState(
  local: string,
  previous: SystemStatus | undefined,
  record: FencingRecord | undefined,
  fresh: FencingRecord | undefined,
  runs: readonly RunView[],
): { role?: "active" | "fenced"; appliedEpoch?: number } {
  const verdict = selfFence(local, previous?.epoch, record);
  if (verdict.epoch === undefined || record === undefined) return {};
  const wonEpoch = Math.max(0, ...runs.map((r) => r.epoch ?? 0));
  if (verdict.epoch < wonEpoch) return {};
  if (verdict.role === "fenced") return { role: "fenced" };
  if (previous?.activeRoleStateEpoch === record.epoch) return {};
  const winner = record.run === undefined ? undefined : runs.find((r) => r.name === record.run);
  if (winner !== undefined && winner.phase !== "Succeeded") return {};
  // The shell confirms on a fresh read before making the region writable (self-fencing.ts stillActive).
  if (fresh?.active !== local || fresh.epoch !== record.epoch) return {};
  return { role: "active", appliedEpoch: record.epoch };
}

function epochLost(run: RunView, record: FencingRecord | undefined): string | undefined {
  if (run.epoch === undefined) return "the run has won no fencing epoch";
  if (record === undefined) return `the fencing record could not be read to confirm epoch ${run.epoch}`;
  if (record.epoch !== run.epoch || record.active !== run.to) {
    return `the run won epoch ${run.epoch} for ${run.to}, but the fencing record now names ${record.active} at epoch ${record.epoch}`;
  }
  return undefined;
}

export const systemLogic: ControllerLogic<SystemStatus> = {
  name: "system",

  initialRecord: (active) => formatFencingValue({ active, epoch: 1 }),

  parseRecord: (value) => parse(value),

  reconcile({ policy, localRegion, now, stored, samples, record: value, freshRecord, runs, peers }) {
    const { policy: resolvedPolicy, names, configError } = specOf(policy);
    const record = parse(value);
    const primary = policy.regions.find((r) => r.role === "primary")?.name ?? policy.regions[0]?.name ?? "";
    const activeRegion = record?.active ?? stored?.activeRegion ?? primary;
    const epoch = record?.epoch ?? stored?.epoch ?? 0;
    const system = systemDampening(record, resolvedPolicy.dampening.flapPenalty, now);
    const peerViews: ObserverView[] = [];
    for (const peer of peers) {
      const view = peer.stored?.view;
      // Only the peer's own observer counts, and only while it lives (its Lease renewed: peer-views.ts).
      if (peer.alive && view && view.observer === `controller/${peer.region}`) peerViews.push(view);
    }
    const stray: string[] = [];
    let running: false | string = false;
    for (const run of runs) {
      if (run.phase !== "Running") continue;
      if (isStray(run, localRegion, names)) stray.push(run.name);
      else if (running === false) running = run.name;
    }
    const observed: readonly ObservedSample[] = samples;
    const evaluation = evaluatePolicy(resolvedPolicy, stored?.state, observed, {
      activeRegion,
      runInProgress: running,
      system,
      localRegion,
      peerViews,
      now,
    });
    const { decision } = evaluation;
    const isMove = (decision.kind === "Failover" || decision.kind === "Failback") && decision.from && decision.to;
    const startRun =
      isMove && configError === undefined && decision.to === localRegion && decision.from !== undefined
        ? { kind: decision.kind as "Failover" | "Failback", from: decision.from, to: localRegion }
        : undefined;
    const state = startRun ? { ...evaluation.state, lastAutomaticTransitionAt: now } : evaluation.state;
    const health: Record<string, Health> = {};
    let suppressed = system.suppressed;
    for (const r of evaluation.regions) {
      health[r.name] = r.health;
      suppressed ||= r.suppressed;
    }
    const fresh = freshRecord === undefined ? undefined : parse(freshRecord);
    const { role, appliedEpoch } = roleState(localRegion, stored, record, fresh, runs);
    const activeRoleStateEpoch = appliedEpoch ?? stored?.activeRoleStateEpoch;
    const next: SystemStatus = {
      state,
      evaluation: { ...evaluation, state },
      view: evaluation.view,
      activeRegion,
      epoch,
      health,
      ...(activeRoleStateEpoch !== undefined ? { activeRoleStateEpoch } : {}),
    };
    const arrow = decision.from && decision.to ? ` ${decision.from}→${decision.to}` : "";
    return {
      stored: next,
      ...(startRun ? { startRun } : {}),
      ...(role ? { role } : {}),
      ...(stray.length > 0 ? { notExecutable: stray } : {}),
      report: {
        health,
        suppressed,
        decision: `${decision.kind}${arrow} (${decision.reason})`,
        ...(configError !== undefined ? { configError } : {}),
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

  traffic({ policy, run, record: value, now }: StepInput<SystemStatus>) {
    const record = parse(value);
    if (record?.active === run.to && record.run === run.name) return { type: "alreadyWon" };
    const { policy: resolvedPolicy } = specOf(policy);
    const penalty = resolvedPolicy.dampening.flapPenalty;
    const verdict = guardStep(
      {
        step: route53Step(run),
        binding: { from: run.from, to: run.to },
        ...(record ? { fencingRecord: record } : {}),
        automatic: { run: run.name, holdDownSeconds: resolvedPolicy.dampening.holdDownSeconds, penalty, now },
      },
      automatic,
    );
    if (verdict.refusal) return { type: "refuse", reason: verdict.refusal.reason };
    const next = recordTransition(
      record,
      { to: run.to, run: run.name, by: "auto", now, busyForMs: planTimeoutMs },
      penalty,
    );
    return { type: "swap", next: formatFencingValue(next) };
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
    // aurora-global.ts: a data-losing failover only when the quorum verdict in the executing controller's status
    // condemns the source, and then only within the RPO objective.
    if (stored?.health[run.from] !== "Unhealthy") return { type: "call", mode: "switchover" };
    const gate = dataLossRefusal({ lagSeconds: measuredLagSeconds, rpoSeconds, gate: "Enforce", overridden: false });
    if (gate) return { type: "refuse", reason: gate.reason };
    return { type: "call", mode: "failover" };
  },

  stepGuard: ({ run, record }) => epochLost(run, parse(record)),

  runFinished({ run, record: value }) {
    const next = recordRunFinished(parse(value), run.name);
    return next === undefined ? undefined : formatFencingValue(next);
  },
};
