/**
 * Whether a DrillSchedule can run at all, decided before its first due time: a schedule whose drills would fail the
 * same way every time (an unknown region, a plan that cannot make the move) says so in its Ready condition as soon as
 * it is applied, instead of only in the history of failed drills. Pure: the controller gathers the objects.
 */
import type { DrillSchedule } from "../../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { Condition } from "../conditions.js";
import { bindPlan } from "../plan/bind.js";
import { describeProblem, errorsOf } from "../plan/validate.js";
import { activeRegionOf } from "../runs.js";

/** The reasons of a DrillSchedule's Ready condition, one per thing that stops every drill; documented constants. */
export const DrillReadyReason = {
  /** The drills can run: Ready is True. */
  Scheduling: "Scheduling",
  /** The cron expression, a time zone, a blackout or an allowed window cannot be parsed. */
  InvalidSpec: "InvalidSpec",
  /** spec.planRef names no FailoverPlan of the namespace. */
  PlanNotFound: "PlanNotFound",
  /** The plan's spec.regionPolicyRef names no RegionPolicy of the namespace. */
  PolicyNotFound: "PolicyNotFound",
  /** spec.from or spec.to is not a region of the plan's RegionPolicy. */
  UnknownRegion: "UnknownRegion",
  /** The drill would move from a region to itself (or the policy has no second region to move to). */
  NoMove: "NoMove",
  /** The plan, bound to the drill's move, has an error that would refuse every drill run (InvalidPlan). */
  PlanInvalid: "PlanInvalid",
  /** The schedule's drill-now annotation is not an RFC 3339 time. */
  InvalidDrillNow: "InvalidDrillNow",
} as const;
export type DrillReadyReason = (typeof DrillReadyReason)[keyof typeof DrillReadyReason];

export interface DrillReadiness {
  status: "True" | "False";
  reason: DrillReadyReason;
  /** Names the field at fault (spec.to, spec.planRef.name, a step's field). */
  message: string;
}

export interface DrillReadinessInput {
  schedule: Pick<DrillSchedule, "spec">;
  /** The spec's problem from resolveDrillSpec, when it has one. */
  specProblem?: string;
  plan?: FailoverPlan;
  policy?: RegionPolicy;
  /** The schedule's namespace, the only one the plan's steps may name. */
  namespace: string;
  /**
   * The drill run under way, if one is: its move was checked when it started, and the active region it moved is not
   * a reason to doubt the schedule (a Switchover drill to spec.to makes spec.to active until its failback).
   */
  drillInProgress?: string;
}

const notReady = (reason: DrillReadyReason, message: string): DrillReadiness => ({ status: "False", reason, message });

/** Who a drill moves from and to: the spec's regions, else the active region and the first other region. */
export function drillMove(
  schedule: Pick<DrillSchedule, "spec">,
  policy: Pick<RegionPolicy, "spec" | "status">,
): { from: string; to: string } {
  const from = schedule.spec.from ?? activeRegionOf(policy) ?? "";
  const to = schedule.spec.to ?? policy.spec.regions.find((r) => r.name !== from)?.name ?? "";
  return { from, to };
}

export function drillReadiness(input: DrillReadinessInput): DrillReadiness {
  const { schedule, plan, policy } = input;
  if (input.specProblem !== undefined) return notReady(DrillReadyReason.InvalidSpec, input.specProblem);
  if (plan === undefined) {
    return notReady(
      DrillReadyReason.PlanNotFound,
      `spec.planRef.name: FailoverPlan ${schedule.spec.planRef.name} does not exist`,
    );
  }
  if (policy === undefined) {
    return notReady(
      DrillReadyReason.PolicyNotFound,
      `FailoverPlan ${plan.metadata.name}'s spec.regionPolicyRef.name: RegionPolicy ${plan.spec.regionPolicyRef.name} does not exist`,
    );
  }
  const regions = policy.spec.regions.map((r) => r.name);
  const known = `regions of RegionPolicy ${policy.metadata.name}: ${regions.join(", ")}`;
  for (const field of ["from", "to"] as const) {
    const region = schedule.spec[field];
    if (region !== undefined && !regions.includes(region)) {
      return notReady(DrillReadyReason.UnknownRegion, `spec.${field}: ${region} is not a region (${known})`);
    }
  }
  if (input.drillInProgress !== undefined) {
    return {
      status: "True",
      reason: DrillReadyReason.Scheduling,
      message: `Drills of FailoverPlan ${plan.metadata.name}; drill ${input.drillInProgress} in progress`,
    };
  }
  const { from, to } = drillMove(schedule, policy);
  if (to === "" || from === to) {
    const field = schedule.spec.to !== undefined ? "spec.to" : "spec.from";
    return notReady(
      DrillReadyReason.NoMove,
      to === ""
        ? `${field}: no region to drill to (${known})`
        : `${field}: the drill would move from ${from} to itself`,
    );
  }
  const errors = errorsOf(
    bindPlan(plan.spec, { from, to }, { regions, signals: policy.spec.signals, namespace: input.namespace }).problems,
  );
  const first = errors[0];
  if (first !== undefined) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    return notReady(
      DrillReadyReason.PlanInvalid,
      `FailoverPlan ${plan.metadata.name} cannot move ${from} → ${to}: ${first.reason}: ${describeProblem(first)}${more}`,
    );
  }
  return {
    status: "True",
    reason: DrillReadyReason.Scheduling,
    message: `Drills of FailoverPlan ${plan.metadata.name} from ${from} to ${to}`,
  };
}

/**
 * The Event to record when Ready changes (status or reason), or nothing when it stays: a Warning on False, so a
 * broken schedule is seen when it breaks, and Normal when it recovers. A first Ready=True is not news.
 */
export function readyEvent(
  previous: Pick<Condition, "status" | "reason"> | undefined,
  next: Pick<Condition, "status" | "reason" | "message">,
): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  if (previous?.status === next.status && previous.reason === next.reason) return undefined;
  if (next.status === "False") return { type: "Warning", reason: next.reason, message: next.message };
  if (previous === undefined) return undefined;
  return { type: "Normal", reason: "Ready", message: next.message };
}
