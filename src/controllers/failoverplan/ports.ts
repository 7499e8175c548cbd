/**
 * What the FailoverPlan controller needs from the outside world: plans, their policies and runs to read (informer
 * caches), the plan's status to write, and the checks that follow a bound step's references into the world — the
 * runtime implements those over Route53, RDS, CloudWatch and the regions' clusters, sharing reads between plans.
 */
import type { Logger } from "pino";
import type { Move } from "../../core/plan/readiness.js";
import type { BoundStep } from "../../core/plan/steps.js";
import type { Problem } from "../../core/plan/validate.js";
import type { Tenancy } from "../../core/tenancy.js";
import type { FailoverPlan, FailoverPlanStatus } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { EventRecorder } from "../ports.js";

export interface PlanStore {
  plan(namespace: string, name: string): FailoverPlan | undefined;
  policy(namespace: string, name: string): RegionPolicy | undefined;
  /** The plans whose spec.regionPolicyRef names the policy. */
  plansOf(namespace: string, policy: string): FailoverPlan[];
  /** Runs of the plan kept in history (drill results among them). */
  runsOfPlan(namespace: string, plan: string): FailoverRun[];
  /** A merge patch of the plan's status conditioned on its resourceVersion; ConflictError when it changed. */
  writePlanStatus(plan: FailoverPlan, status: FailoverPlanStatus): Promise<void>;
}

export interface CheckContext {
  policy: RegionPolicy;
  namespace: string;
  /** The ServiceAccount of `namespace` the plan's steps act as in this cluster; undefined: the controller itself. */
  serviceAccountName?: string;
  move: Move;
}

/** Each check returns what it found wrong and never throws: an error of its own is a CheckFailed problem. */
export interface PlanChecks {
  /** Follows one bound step's references (records, members, objects, Secrets, permissions) into the world. */
  step(step: BoundStep, ctx: CheckContext): Promise<Problem[]>;
  /** The policy's fencing record: readable, and a fencing record. */
  fencing(policy: RegionPolicy): Promise<Problem[]>;
}

export interface FailoverPlanDeps {
  store: PlanStore;
  checks: PlanChecks;
  events: EventRecorder;
  log: Logger;
  /** whose identity steps take when neither the plan nor its policy names a ServiceAccount; absent: none */
  tenancy?: Tenancy;
  /** how often every plan is evaluated again when nothing changed */
  intervalMs: number;
  now: () => number;
}
