/**
 * `switchyard status` on one screen: a policy's regions and their health, who is active under which epoch, whether
 * automation may act, the runs in progress, the next drill and the last decision. Pure: the command gathers the
 * objects, this decides what they say.
 */
import { isPaused } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { isFinalPhase, planLookup, runsOfPolicy } from "../core/runs.js";
import { age, columns } from "./format.js";

export interface StatusInput {
  policy: RegionPolicy;
  plans: readonly FailoverPlan[];
  runs: readonly FailoverRun[];
  drills: readonly DrillSchedule[];
  now: number;
}

/** The plans that act for the policy: those whose regionPolicyRef names it. */
export function plansOf(policy: RegionPolicy, plans: readonly FailoverPlan[]): Set<string> {
  return new Set(
    plans.filter((p) => p.spec.regionPolicyRef.name === policy.metadata.name).map((p) => p.metadata.name ?? ""),
  );
}

export function inProgress(runs: readonly FailoverRun[]): FailoverRun[] {
  return runs.filter((r) => !isFinalPhase(r.status?.phase));
}

/** The soonest next drill among the policy's schedules that are not suspended. */
export function nextDrill(plans: Set<string>, drills: readonly DrillSchedule[]): DrillSchedule | undefined {
  return drills
    .filter((d) => plans.has(d.spec.planRef.name) && d.spec.suspend !== true && d.status?.nextScheduleTime)
    .sort((a, b) => Date.parse(a.status?.nextScheduleTime ?? "") - Date.parse(b.status?.nextScheduleTime ?? ""))[0];
}

/** What automation may do now: the kill switch wins over the declared mode. */
export function automationLine(policy: RegionPolicy): string {
  const mode = policy.spec.automation.mode ?? "Automatic";
  if (isPaused(policy)) return `${mode}, PAUSED by the kill switch (switchyard resume to lift it)`;
  return mode;
}

export function summarize(input: StatusInput): string {
  const { policy, now } = input;
  const status = policy.status ?? {};
  const plans = plansOf(policy, input.plans);
  const runs = inProgress(runsOfPolicy(input.runs, policy.metadata.name ?? "", planLookup(input.plans)));
  const drill = nextDrill(plans, input.drills);
  const decision = status.lastDecision;
  const health = new Map((status.regions ?? []).map((r) => [r.name, r]));

  const regionRows = policy.spec.regions.map((region) => {
    const seen = health.get(region.name);
    return [
      region.name === status.activeRegion ? `* ${region.name}` : `  ${region.name}`,
      region.role ?? "secondary",
      seen?.health ?? "Unknown",
      age(seen?.since, now),
      seen?.failingSignals?.length ? seen.failingSignals.join(",") : "-",
    ];
  });
  const runRows = runs.map((r) => [
    `  ${r.metadata.name ?? ""}`,
    r.spec.trigger ?? "Manual",
    `${r.spec.from} → ${r.spec.to}`,
    r.status?.phase ?? "Pending",
    r.status?.currentStep ?? "-",
    r.spec.dryRun ? "dry run" : "",
  ]);
  const decisionText =
    decision === undefined
      ? "none yet"
      : `${decision.decision ?? "?"} ${age(decision.time, now)} ago` +
        (decision.from && decision.to ? ` (${decision.from} → ${decision.to})` : "") +
        (decision.reason ? `: ${decision.reason}` : "") +
        (decision.message ? ` — ${decision.message}` : "");

  return [
    `RegionPolicy ${policy.metadata.namespace}/${policy.metadata.name}`,
    `Active region: ${status.activeRegion ?? "unknown"}   epoch: ${status.epoch ?? "-"}`,
    `Automation:    ${automationLine(policy)}`,
    "",
    ...columns([["  REGION", "ROLE", "HEALTH", "SINCE", "FAILING SIGNALS"], ...regionRows]),
    "",
    ...(runRows.length === 0
      ? ["Runs in progress: none"]
      : ["Runs in progress:", ...columns([["  NAME", "TRIGGER", "MOVE", "PHASE", "STEP", ""], ...runRows])]),
    `Next drill:    ${
      drill === undefined
        ? "none scheduled"
        : `${drill.status?.nextScheduleTime} (${age(drill.status?.nextScheduleTime, now)}, DrillSchedule ${drill.metadata.name})`
    }`,
    `Last decision: ${decisionText}`,
  ].join("\n");
}
