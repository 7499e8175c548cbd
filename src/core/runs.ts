/**
 * What is true of a FailoverRun wherever it is read — the controllers, the CLI, the report, the demo: which policy it
 * belongs to and when it is over. Pure, so every reader agrees.
 */
import { policyLabel } from "../crds/definitions.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../crds/generated/failoverruns.js";

export type RunPhase = NonNullable<FailoverRunStatus["phase"]>;
export type FinalPhase = Extract<RunPhase, "Succeeded" | "Failed" | "RolledBack" | "Cancelled">;

const finalPhases: ReadonlySet<string> = new Set<FinalPhase>(["Succeeded", "Failed", "RolledBack", "Cancelled"]);

/** A run in one of these phases is over: nothing about it changes any more. */
export function isFinalPhase(phase: string | undefined): boolean {
  return finalPhases.has(phase ?? "Pending");
}

/** A plan of the run's namespace by name: an informer cache, or the plans a command listed. */
export type PlanLookup = (name: string) => Pick<FailoverPlan, "spec"> | undefined;

export function planLookup(plans: readonly FailoverPlan[]): PlanLookup {
  return (name) => plans.find((p) => p.metadata.name === name);
}

/** The policy a run acts for: its plan's, else its label's (the plan may have gone since). */
export function policyOfRun(run: FailoverRun, plan: Pick<FailoverPlan, "spec"> | undefined): string | undefined {
  return plan?.spec.regionPolicyRef.name ?? run.metadata.labels?.[policyLabel];
}

/**
 * Every policy a run counts for: its plan's and its label's. A run written by hand may carry no label, and one of
 * another plan may be labelled, so both are asked; usually they are the same one.
 */
export function policiesOfRun(run: FailoverRun, plans: PlanLookup): string[] {
  const named = [plans(run.spec.planRef.name)?.spec.regionPolicyRef.name, run.metadata.labels?.[policyLabel]];
  return [...new Set(named.filter((name): name is string => name !== undefined))];
}

/** The runs of a policy, among runs of one namespace (the namespace `plans` looks in). */
export function runsOfPolicy(runs: readonly FailoverRun[], policy: string, plans: PlanLookup): FailoverRun[] {
  return runs.filter((run) => policiesOfRun(run, plans).includes(policy));
}
