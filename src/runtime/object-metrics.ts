/**
 * Metrics read from the objects themselves at scrape time, the kube-state-metrics way: what a policy, run or drill
 * *is* (active region, epoch, conditions, run phase and age, RTO/RPO, last successful drill) comes from the informers'
 * caches, so it is never out of step with the status an SRE reads, costs nothing between scrapes and needs no hook in
 * the controllers. Only the leader exports them: every replica has the same caches, and two copies of every series
 * would make each alert fire twice.
 */
import { Gauge, type Registry } from "prom-client";
import type { Condition } from "../core/conditions.js";
import { isFinalPhase } from "../core/runs.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

export interface ObjectSources {
  policies: () => RegionPolicy[];
  plans: () => FailoverPlan[];
  runs: () => FailoverRun[];
  isLeader: () => boolean;
}

const conditionStatus = (c: Pick<Condition, "status">) => c.status.toLowerCase();
const seconds = (time: string | undefined) => {
  const at = Date.parse(time ?? "");
  return Number.isFinite(at) ? at / 1000 : undefined;
};

/** The latest moment a run did something: its start, any step's start or end, its end. */
function lastProgress(run: FailoverRun): number | undefined {
  const times = [
    run.status?.startedAt,
    run.status?.finishedAt,
    ...(run.status?.journal ?? []).flatMap((s) => [s.startedAt, s.finishedAt]),
  ]
    .map(seconds)
    .filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The lag a promotion step journaled: `rpo.seconds` in what it observed, or in its intent when it refused. */
function lagSeen(step: NonNullable<NonNullable<FailoverRun["status"]>["journal"]>[number]): number | undefined {
  if (step.kind !== "auroraGlobal" && step.kind !== "rdsPromoteReplica") return undefined;
  for (const record of [step.observed, step.intent]) {
    const rpo = (record as { rpo?: { seconds?: unknown } } | undefined)?.rpo;
    if (typeof rpo?.seconds === "number") return rpo.seconds;
  }
  return undefined;
}

export function registerObjectMetrics(registry: Registry, sources: ObjectSources): void {
  const registers = [registry];
  /** A gauge whose series are rebuilt from the caches on every scrape (nothing at all on a replica that is not leader). */
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        if (sources.isLeader()) fill(this);
      },
    });
  const key = (o: { metadata: { namespace?: string; name?: string } }) => ({
    namespace: o.metadata.namespace ?? "",
    name: o.metadata.name ?? "",
  });

  gauge(
    "switchyard_policy_active_region",
    "1 for the region the fencing record names active (absent until the policy is evaluated)",
    ["namespace", "policy", "region"],
    (g) => {
      for (const p of sources.policies()) {
        const { namespace, name } = key(p);
        if (p.status?.activeRegion) g.set({ namespace, policy: name, region: p.status.activeRegion }, 1);
      }
    },
  );
  gauge("switchyard_policy_epoch", "The fencing epoch of the policy", ["namespace", "policy"], (g) => {
    for (const p of sources.policies()) {
      const { namespace, name } = key(p);
      if (p.status?.epoch !== undefined) g.set({ namespace, policy: name }, p.status.epoch);
    }
  });
  gauge(
    "switchyard_policy_condition",
    "1 for each condition of a RegionPolicy, by type and status (true, false, unknown)",
    ["namespace", "policy", "type", "status", "reason"],
    (g) => {
      for (const p of sources.policies()) {
        const { namespace, name } = key(p);
        for (const c of p.status?.conditions ?? []) {
          g.set({ namespace, policy: name, type: c.type, status: conditionStatus(c), reason: c.reason }, 1);
        }
      }
    },
  );
  gauge(
    "switchyard_region_observer_health",
    "1 for each observer's verdict on a region (Healthy or Unhealthy), as the policy's status lists them",
    ["namespace", "policy", "region", "observer", "verdict"],
    (g) => {
      for (const p of sources.policies()) {
        const { namespace, name } = key(p);
        for (const r of p.status?.regions ?? []) {
          for (const observer of r.healthyObservers ?? [])
            g.set({ namespace, policy: name, region: r.name, observer, verdict: "Healthy" }, 1);
          for (const observer of r.failingObservers ?? [])
            g.set({ namespace, policy: name, region: r.name, observer, verdict: "Unhealthy" }, 1);
        }
      }
    },
  );
  gauge(
    "switchyard_policy_objective_seconds",
    "The policy's recovery objectives (objective rto or rpo)",
    ["namespace", "policy", "objective"],
    (g) => {
      for (const p of sources.policies()) {
        const { namespace, name } = key(p);
        const objectives = p.spec.objectives;
        if (objectives?.rtoSeconds !== undefined)
          g.set({ namespace, policy: name, objective: "rto" }, objectives.rtoSeconds);
        if (objectives?.rpoSeconds !== undefined)
          g.set({ namespace, policy: name, objective: "rpo" }, objectives.rpoSeconds);
      }
    },
  );
  gauge(
    "switchyard_plan_condition",
    "1 for each condition of a FailoverPlan, by type and status (true, false, unknown)",
    ["namespace", "plan", "type", "status", "reason"],
    (g) => {
      for (const plan of sources.plans()) {
        const { namespace, name } = key(plan);
        for (const c of plan.status?.conditions ?? []) {
          g.set({ namespace, plan: name, type: c.type, status: conditionStatus(c), reason: c.reason }, 1);
        }
      }
    },
  );
  gauge(
    "switchyard_plan_move_ready",
    "1 when the FailoverPlan's last evaluation found the move from one region to another can be made, else 0",
    ["namespace", "plan", "from", "to"],
    (g) => {
      for (const plan of sources.plans()) {
        const { namespace, name } = key(plan);
        for (const m of plan.status?.moves ?? [])
          g.set({ namespace, plan: name, from: m.from, to: m.to }, m.ready ? 1 : 0);
      }
    },
  );

  const runLabels = ["namespace", "run", "plan", "trigger"];
  const runKey = (run: FailoverRun) => ({
    namespace: run.metadata.namespace ?? "",
    run: run.metadata.name ?? "",
    plan: run.spec.planRef.name,
    trigger: run.spec.trigger ?? "Manual",
  });
  gauge("switchyard_run_phase", "1 for the phase each FailoverRun is in", [...runLabels, "phase"], (g) => {
    for (const run of sources.runs()) g.set({ ...runKey(run), phase: run.status?.phase ?? "Pending" }, 1);
  });
  const runTime = (name: string, help: string, read: (run: FailoverRun) => number | undefined) =>
    gauge(name, help, runLabels, (g) => {
      for (const run of sources.runs()) {
        const value = read(run);
        if (value !== undefined) g.set(runKey(run), value);
      }
    });
  runTime("switchyard_run_start_time_seconds", "When the run started (Unix time)", (r) => seconds(r.status?.startedAt));
  runTime("switchyard_run_finish_time_seconds", "When the run reached its final phase (Unix time)", (r) =>
    seconds(r.status?.finishedAt),
  );
  runTime(
    "switchyard_run_last_progress_time_seconds",
    "The latest start or end of the run or any of its steps (Unix time), while it is not final: a stuck run stops moving it",
    (r) => (isFinalPhase(r.status?.phase) ? undefined : lastProgress(r)),
  );
  gauge(
    "switchyard_run_replication_lag_seconds",
    "The replication lag a promotion step measured just before it promoted (or refused to), from the run's journal",
    [...runLabels, "step"],
    (g) => {
      for (const run of sources.runs()) {
        for (const step of run.status?.journal ?? []) {
          const seen = lagSeen(step);
          if (seen !== undefined) g.set({ ...runKey(run), step: step.name }, seen);
        }
      }
    },
  );
  runTime("switchyard_run_rto_seconds", "The run's measured recovery time", (r) => r.status?.rto?.seconds);
  runTime("switchyard_run_rpo_seconds", "The run's measured data-loss window", (r) => r.status?.rpo?.seconds);
  gauge(
    "switchyard_drill_last_success_time_seconds",
    "When the last successful drill of a plan finished (Unix time), from the drill runs kept in history",
    ["namespace", "plan"],
    (g) => {
      const last = new Map<string, { namespace: string; plan: string; at: number }>();
      for (const run of sources.runs()) {
        if (run.spec.trigger !== "Drill" || run.status?.phase !== "Succeeded") continue;
        const at = seconds(run.status.finishedAt);
        const namespace = run.metadata.namespace ?? "";
        const id = `${namespace}/${run.spec.planRef.name}`;
        if (at !== undefined && at > (last.get(id)?.at ?? 0))
          last.set(id, { namespace, plan: run.spec.planRef.name, at });
      }
      for (const { namespace, plan, at } of last.values()) g.set({ namespace, plan }, at);
    },
  );
}
