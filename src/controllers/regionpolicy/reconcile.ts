/**
 * One reconcile of one RegionPolicy: fetch and guard → gather samples → evaluate (pure core) → act (create a
 * FailoverRun when automation may and this region executes it) → one status write → when to come back.
 */
import { systemDampening } from "../../core/dampening/transition-log.js";
import { evaluatePolicy } from "../../core/evaluate.js";
import { regionLossUndetectable, unreachableQuorum } from "../../core/health/quorum.js";
import { jsonEqual } from "../../core/merge-patch.js";
import { fenceReadAgeDefaults } from "../../core/plan/fence-read-age.js";
import { automaticMove, automaticMoveProblem } from "../../core/plan/readiness.js";
import { resolvePolicy, unprobeableSignals } from "../../core/policy.js";
import { automaticRun, isFinalPhase } from "../../core/runs.js";
import {
  policyActingAs,
  roleStateNamespaceProblems,
  stepNamespaceProblems,
  TenancyReason,
  type Acting,
} from "../../core/tenancy.js";
import { isPaused } from "../../crds/definitions.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";
import { objectRef } from "../ports.js";
import type { RegionPolicyDeps } from "./ports.js";
import { keepRoleState, observeFence } from "./self-fencing.js";
import { statusFromEvaluation, stateFromStatus } from "./status.js";

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** Re-evaluate at least this often, so hold-down and suppression ends are noticed without a new sample. */
const maxRequeueMs = 30_000;
/** Sample times and details alone are written at most this often; health, counts and decisions at once. */
const statusRefreshMs = 60_000;
/** A run this controller created and its cache has not shown yet counts as in progress for this long. */
const unseenRunGraceMs = 60_000;

const refOf = (policy: RegionPolicy) => objectRef("RegionPolicy", policy);

function runInProgress(policy: RegionPolicy, runs: FailoverRun[], now: number): false | string {
  const running = runs.find((run) => !isFinalPhase(run.status?.phase));
  if (running) return running.metadata.name ?? "";
  const last = policy.status?.lastDecision;
  if (!last?.runRef?.name || runs.some((run) => run.metadata.name === last.runRef?.name)) return false;
  return now - Date.parse(last.time ?? "") < unseenRunGraceMs ? last.runRef.name : false;
}

/** When the newest finished run of the policy here ended: its swap makes older listings of the record stale. */
function lastRunEnd(runs: FailoverRun[]): { runFinishedAt?: number } {
  const ends = runs.map((run) => Date.parse(run.status?.finishedAt ?? "")).filter(Number.isFinite);
  return ends.length > 0 ? { runFinishedAt: Math.max(...ends) } : {};
}

/** Why the policy cannot act on a decision, if it cannot: a Ready=False reason users see in status and Events. */
function planProblem(
  policy: RegionPolicy,
  deps: RegionPolicyDeps,
  acting: Acting,
): { reason: string; message: string } | undefined {
  const { automation } = policy.spec;
  if ((automation.mode ?? "Manual") === "Paused") return undefined;
  const planName = automation.failoverPlanRef?.name;
  if (!planName) return { reason: "PlanNotSet", message: "spec.automation.failoverPlanRef is required unless Paused" };
  const plan = deps.store.plan(policy.metadata.namespace ?? "default", planName);
  if (!plan) return { reason: "PlanNotFound", message: `FailoverPlan ${planName} does not exist in this namespace` };
  if (plan.spec.regionPolicyRef.name !== policy.metadata.name) {
    return {
      reason: "PlanForOtherPolicy",
      message: `FailoverPlan ${planName} belongs to RegionPolicy ${plan.spec.regionPolicyRef.name}, not this one`,
    };
  }
  if (!acting.ok) return { reason: acting.reason, message: acting.message };
  // A plan acts only in its own namespace (invariant 8): said here, before any run, field by field.
  const namespace = policy.metadata.namespace ?? "default";
  const foreign = [
    ...stepNamespaceProblems(plan.spec, namespace),
    ...roleStateNamespaceProblems(plan.spec.roleState, namespace),
  ];
  if (foreign.length > 0) {
    return {
      reason: TenancyReason.NamespaceNotAllowed,
      message: `FailoverPlan ${planName}: ${foreign.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    };
  }
  return undefined;
}

/** Status without the fields that change with every sample, to tell a real change from a refresh. */
function significant(status: RegionPolicyStatus | undefined) {
  return {
    ...status,
    signals: status?.signals?.map(({ lastSampleTime: _t, lastDetail: _d, ...rest }) => rest),
    regions: status?.regions?.map(({ penalty: _p, penaltyTime: _pt, ...rest }) => rest),
    conditions: status?.conditions?.map(({ message: _m, ...rest }) => rest),
    // The view's time moves with every evaluation; its verdicts are what peers need at once.
    view: status?.view && { ...status.view, time: undefined },
    lastDecision: status?.lastDecision && { ...status.lastDecision, message: undefined },
  };
}

function newestSample(status: RegionPolicyStatus | undefined): number {
  return Math.max(0, ...(status?.signals ?? []).map((s) => Date.parse(s.lastSampleTime ?? "") || 0));
}

export async function reconcileRegionPolicy(key: string, deps: RegionPolicyDeps): Promise<ReconcileResult> {
  const [namespace = "", name = ""] = key.split("/");
  const policy = deps.store.policy(namespace, name);
  if (!policy || policy.metadata.deletionTimestamp) {
    // Nothing outside the cluster belongs to a RegionPolicy, so deleting one needs no finalizer: stop probing it.
    deps.signals.remove(key);
    deps.samples.forget(key);
    return {};
  }
  const now = deps.now();
  const log = deps.log.child({ policy: key });
  const unprobed = unprobeableSignals(policy.spec, deps.localRegion);
  deps.signals.sync(
    key,
    namespace,
    policy.spec.signals.filter((s) => !unprobed.some((u) => u.name === s.name && u.region === s.region)),
  );

  const samples = deps.samples.drain(key);
  for (const s of samples) deps.observer.sampled(namespace, name, s.region, s.signal, s.ok);
  const paused = isPaused(policy);
  const resolved = resolvePolicy(policy.spec);
  deps.samples.settleAt(key, resolved.dampening);
  // A signal this controller cannot probe is no part of its view (its peers' views may still hold it).
  resolved.signals = resolved.signals.filter((s) => !unprobed.some((u) => u.name === s.name && u.region === s.region));
  // The kill switch outranks the declared mode: observe and record, act on nothing.
  if (paused) resolved.automation.mode = "Paused";
  const runs = deps.store.runsOf(namespace, name);
  const inProgress = runInProgress(policy, runs, now);
  const fence = await observeFence(policy, deps.localRegion, deps.fence, {
    facts: {
      status: policy.status,
      localRegion: deps.localRegion,
      runInProgress: inProgress !== false,
      peerEpochs: deps.peers?.epochsOf?.(policy) ?? [],
      ...lastRunEnd(runs),
      now,
    },
    ages: deps.fenceReadAges ?? fenceReadAgeDefaults,
  });
  const activeRegion = fence.activeRegion;
  if (fence.readError) {
    log.warn({ err: fence.readError }, "could not read the fencing record; keeping the last one");
    deps.observer.fenceReadFailed?.(namespace, name);
  }
  // The system's dampening (every controller's moves) comes with the record; without one, this controller's own.
  const system = fence.record ? systemDampening(fence.record, resolved.dampening.flapPenalty, now) : undefined;
  const evaluation = evaluatePolicy(resolved, stateFromStatus(policy.status, now), samples, {
    activeRegion,
    runInProgress: inProgress,
    localRegion: deps.localRegion,
    ...(system ? { system } : {}),
    peerViews: deps.peers?.viewsOf(policy) ?? [],
    now,
  });
  const decision = evaluation.decision;
  const quorum = unreachableQuorum(resolved, deps.localRegion);
  const plan = deps.store.plan(namespace, policy.spec.automation.failoverPlanRef?.name ?? "");
  const acting = policyActingAs(namespace, policy.spec, plan?.spec, deps.tenancy ?? {});
  const credentials = deps.peers?.credentialsProblem?.(policy);
  // A refused or invalid Secret is the tenant's text and stays wrong until changed; one that could not be read (RBAC,
  // no ServiceAccount, an API server's bad moment) only costs the peer's view, which the quorum already accounts for.
  const unreadable = credentials?.reason === "PeerCredentialsUnreadable" ? credentials : undefined;
  const notReady =
    planProblem(policy, deps, acting) ??
    (unreadable ? undefined : credentials) ??
    (quorum && { reason: "QuorumUnreachable", message: quorum.message });
  // Reported as Ready=False, but no reason to hold a failover back: the traffic step reads the record again itself,
  // and a plan check that fails (a peer cluster down, lag) may be exactly the outage the failover is for.
  const reported =
    notReady ??
    [
      unreadable,
      unprobed.length > 0
        ? { reason: "PeerKubeconfigMissing", message: unprobed.map((u) => u.message).join("; ") }
        : undefined,
      fence.readError
        ? { reason: "FencingRecordUnreadable", message: `The fencing record cannot be read: ${fence.readError}` }
        : undefined,
      plan && resolved.automation.mode !== "Paused"
        ? automaticMoveProblem(plan, automaticMove(policy.spec.regions, activeRegion))
        : undefined,
    ].find((p) => p !== undefined);
  const regionLoss = regionLossUndetectable(resolved, deps.localRegion);

  // The target region's controller executes a move: the failing region's controller may be dead or cut off. The run
  // is created first, straight from the decision (its spec carries the decision's reason), and the policy's status
  // records the decision right after: the run is what acts, so nothing else waits in front of it. A reader that needs
  // the health behind an automatic run waits until the status names the run (the Aurora lever does).
  let startedRun: string | undefined;
  const isMove = decision.kind === "Failover" || decision.kind === "Failback";
  if (isMove && !notReady && decision.from && decision.to && decision.to === deps.localRegion) {
    const run = automaticRun(policy, { ...decision, from: decision.from, to: decision.to }, now);
    const outcome = await deps.store.createRun(run);
    startedRun = run.metadata.name;
    log.info({ run: startedRun, outcome, from: decision.from, to: decision.to }, `automatic ${decision.kind} started`);
    deps.events.event(
      refOf(policy),
      "Normal",
      `${decision.kind}Started`,
      `FailoverRun ${startedRun}: ${decision.message}`,
    );
  }

  let activeRoleStateEpoch = policy.status?.activeRoleStateEpoch;
  if (deps.fence) {
    activeRoleStateEpoch = await keepRoleState({
      policy,
      fence,
      localRegion: deps.localRegion,
      runs,
      roleState: plan?.spec.roleState,
      ...(acting.ok && acting.serviceAccountName ? { serviceAccountName: acting.serviceAccountName } : {}),
      ports: deps.fence,
      report: (type, reason, message) => {
        deps.events.event(refOf(policy), type, reason, message);
        log.info({ reason }, message);
      },
    });
  }

  const status = statusFromEvaluation({
    policy,
    evaluation,
    activeRegion,
    ...(fence.readError && policy.status?.epoch === undefined ? {} : { epoch: fence.epoch }),
    ...(policy.spec.fencing && deps.fence
      ? { fencingRead: fence.readError ? { ok: false as const, message: fence.readError } : { ok: true as const } }
      : {}),
    ...(fence.verdict ? { fence: fence.verdict } : {}),
    thresholds: resolved.dampening,
    ...(startedRun ? { startedRun } : {}),
    ...(reported ? { notReady: reported } : {}),
    ...(regionLoss ? { regionLoss } : {}),
    unprobed: unprobed.map((u) => u.message),
    ...(system?.suppressed
      ? {
          systemSuppression: {
            penalty: system.penalty,
            ...(system.suppressedUntil === undefined ? {} : { until: system.suppressedUntil }),
          },
        }
      : {}),
    ...(activeRoleStateEpoch === undefined ? {} : { activeRoleStateEpoch }),
    paused,
    now,
  });
  const previous = policy.status;
  const changedDecision = previous?.lastDecision?.time !== status.lastDecision?.time;
  const due = !jsonEqual(significant(previous), significant(status)) || now - newestSample(previous) >= statusRefreshMs;
  if (due) {
    try {
      await deps.store.writePolicyStatus(policy, status);
    } catch (error) {
      deps.samples.restore(key, samples);
      throw error;
    }
  }
  deps.observer.evaluated(namespace, name, evaluation);
  if (changedDecision) {
    deps.observer.decided(namespace, name, decision);
    if (decision.kind !== "Stay" || previous?.lastDecision) {
      const type = decision.kind === "Stay" ? "Normal" : "Warning";
      deps.events.event(refOf(policy), type, decision.reason, decision.message);
    }
    log.info(
      { decision: decision.kind, reason: decision.reason, from: decision.from, to: decision.to },
      decision.message,
    );
  }
  if (reported && previous?.conditions?.find((c) => c.type === "Ready")?.reason !== reported.reason) {
    deps.events.event(refOf(policy), "Warning", reported.reason, reported.message);
  }
  if (regionLoss && previous?.conditions?.find((c) => c.type === "RegionLossDetectable")?.status !== "False") {
    deps.events.event(refOf(policy), "Warning", "QuorumNeedsLostRegion", regionLoss.message);
  }
  const wake = decision.until !== undefined ? Math.max(1000, decision.until - now) : maxRequeueMs;
  return { requeueAfterMs: Math.min(wake, maxRequeueMs) };
}
