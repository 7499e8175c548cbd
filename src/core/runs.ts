/**
 * What is true of a FailoverRun wherever it is made or read — the controllers, the CLI, the report, the demo: how each
 * trigger's run is written and named, which policy it belongs to, where it moves from, and when it is over. Pure, so every reader agrees.
 */
import { apiVersion, drillScheduleLabel, policyLabel } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

export type RunPhase = NonNullable<FailoverRunStatus["phase"]>;
export type FinalPhase = Extract<RunPhase, "Succeeded" | "Failed" | "RolledBack" | "Cancelled">;

const finalPhases: ReadonlySet<string> = new Set<FinalPhase>(["Succeeded", "Failed", "RolledBack", "Cancelled"]);

/** A run in one of these phases is over: nothing about it changes any more. */
export function isFinalPhase(phase: string | undefined): boolean {
  return finalPhases.has(phase ?? "Pending");
}

/** The run automation starts for a decision to move, named after the policy, the move, its target and the second. */
export function automaticRun(
  policy: RegionPolicy,
  decision: { kind: string; from: string; to: string; reason: string; message: string },
  now: number,
): FailoverRun {
  // The target region is in the name: two regions deciding in the same second (a race the fencing record settles)
  // make two runs whose names, also written into the fencing record, still say which is which.
  const time = Math.floor(now / 1000).toString(36);
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      name: `${policy.metadata.name}-${decision.kind.toLowerCase()}-${decision.to}-${time}`.slice(0, 253),
      namespace: policy.metadata.namespace,
      labels: { [policyLabel]: policy.metadata.name ?? "" },
    },
    spec: {
      planRef: { name: policy.spec.automation.failoverPlanRef?.name ?? "" },
      from: decision.from,
      to: decision.to,
      trigger: "Automatic",
      reason: `${decision.reason}: ${decision.message}`.slice(0, 1024),
    },
  };
}

export interface ManualRunRequest {
  namespace: string;
  policy: string;
  plan: string;
  from: string;
  to: string;
  reason: string;
  dryRun: boolean;
}

/**
 * A Manual run with a server-generated name. It carries the policy label (as the controller's runs do) so that
 * `kubectl get frun -l switchyard.dev/policy=…` finds it and lifting the kill switch wakes it.
 */
export function manualRun(request: ManualRunRequest): Omit<FailoverRun, "status"> {
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      generateName: `${request.policy}-${request.dryRun ? "preview" : "manual"}-`,
      namespace: request.namespace,
      labels: { [policyLabel]: request.policy },
    },
    spec: {
      planRef: { name: request.plan },
      from: request.from,
      to: request.to,
      trigger: "Manual",
      dryRun: request.dryRun,
      reason: request.reason,
    },
  };
}

/*
 * A drill's runs are named from the schedule and the due time, so that creating one twice (a retried reconcile, two
 * replicas) is harmless: the second create finds it exists.
 */
const maxName = 253;
const failbackSuffix = "-failback";

export function drillRunName(schedule: string, scheduledTime: number): string {
  const seconds = String(Math.floor(scheduledTime / 1000));
  return `${schedule.slice(0, maxName - failbackSuffix.length - seconds.length - 1)}-${seconds}`;
}

export function failbackRunName(drillRun: string): string {
  return `${drillRun}${failbackSuffix}`;
}

export function isFailbackRunName(name: string): boolean {
  return name.endsWith(failbackSuffix);
}

/** The due time a drill run was created for, from its name. */
export function scheduledTimeOf(drillRun: string): number | undefined {
  const match = /-(\d+)$/.exec(drillRun);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** A drill's run: a Switchover moves for real and fails back after holdSeconds; a DryRun only journals intents. */
export function drillRun(args: {
  schedule: DrillSchedule;
  policy: string;
  name: string;
  from: string;
  to: string;
  reason: string;
}): FailoverRun {
  const { schedule } = args;
  const switchover = (schedule.spec.type ?? "DryRun") === "Switchover";
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      name: args.name,
      namespace: schedule.metadata.namespace,
      labels: { [policyLabel]: args.policy, [drillScheduleLabel]: schedule.metadata.name ?? "" },
    },
    spec: {
      planRef: { name: schedule.spec.planRef.name },
      from: args.from,
      to: args.to,
      trigger: "Drill",
      dryRun: !switchover,
      reason: args.reason.slice(0, 1024),
      drill: {
        scheduleRef: { name: schedule.metadata.name ?? "" },
        holdSeconds: schedule.spec.holdSeconds ?? 300,
        failback: switchover,
      },
    },
  };
}

/** The move back after a Switchover drill's hold, with the drill's labels so that it counts for the same schedule. */
export function failbackRun(drill: FailoverRun): FailoverRun {
  const name = drill.metadata.name ?? "";
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      name: failbackRunName(name),
      namespace: drill.metadata.namespace,
      labels: { ...drill.metadata.labels },
    },
    spec: {
      planRef: drill.spec.planRef,
      from: drill.spec.to,
      to: drill.spec.from,
      trigger: "Drill",
      dryRun: false,
      reason: `Failback of drill ${name}`,
      drill: { ...drill.spec.drill, failback: false },
    },
  };
}

/**
 * The region a policy's runs move away from when nothing else says: the active one its status records, else the
 * primary (before the first move), else the first region (a spec without a primary, which the CRD rejects).
 */
export function activeRegionOf(policy: Pick<RegionPolicy, "spec" | "status">): string | undefined {
  const regions = policy.spec.regions;
  return policy.status?.activeRegion ?? (regions.find((r) => r.role === "primary") ?? regions[0])?.name;
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
