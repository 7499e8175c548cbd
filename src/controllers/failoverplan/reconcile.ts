/**
 * One evaluation of one FailoverPlan: bind it to every move of its policy, follow each bound step's references into
 * the world (each distinct bound step once), add the fencing record and the drill age, write the verdicts to status,
 * raise an Event when they change, and come back after the interval. Nothing here acts: a plan is only read.
 */
import { findCondition } from "../../core/conditions.js";
import {
  bindMove,
  drillAgeProblem,
  moveStatus,
  movesOf,
  planReadyCondition,
  planUncheckable,
  type Move,
} from "../../core/plan/readiness.js";
import { ReadinessReason } from "../../core/plan/reasons.js";
import type { BoundStep } from "../../core/plan/steps.js";
import { errorsOf, type Problem } from "../../core/plan/validate.js";
import { stepsActingAs } from "../../core/tenancy.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { objectRef } from "../ports.js";
import type { FailoverPlanDeps } from "./ports.js";
import { planStatus, readinessChanged } from "./status.js";

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export async function reconcileFailoverPlan(key: string, deps: FailoverPlanDeps): Promise<ReconcileResult> {
  const [namespace = "", name = ""] = key.split("/");
  const plan = deps.store.plan(namespace, name);
  if (!plan || plan.metadata.deletionTimestamp) return {};
  const now = deps.now();
  const generation = plan.metadata.generation;
  const policyName = plan.spec.regionPolicyRef.name;
  const policy = deps.store.policy(namespace, policyName);

  const { condition, moves } = policy
    ? await evaluate(plan, policy, namespace, deps, now)
    : {
        condition: planUncheckable(
          ReadinessReason.PolicyNotFound,
          `RegionPolicy ${policyName} (spec.regionPolicyRef) does not exist in namespace ${namespace}.`,
          generation,
        ),
        moves: [],
      };
  const status = planStatus(plan, condition, moves, now);
  const changed = readinessChanged(plan.status, status);
  await deps.store.writePlanStatus(plan, status);
  if (changed) {
    const before = findCondition(plan.status?.conditions, "Ready");
    if (condition.status === "True") {
      if (before !== undefined)
        deps.events.event(objectRef("FailoverPlan", plan), "Normal", condition.reason, condition.message);
    } else {
      deps.events.event(objectRef("FailoverPlan", plan), "Warning", condition.reason, condition.message);
    }
    deps.log.info({ plan: key, ready: condition.status, reason: condition.reason }, "plan readiness changed");
  }
  return { requeueAfterMs: deps.intervalMs };
}

async function evaluate(
  plan: FailoverPlan,
  policy: RegionPolicy,
  namespace: string,
  deps: FailoverPlanDeps,
  now: number,
) {
  const shape = {
    regions: policy.spec.regions.map((r) => r.name),
    signals: policy.spec.signals.map((s) => ({ name: s.name, region: s.region })),
    namespace,
  };
  const acting = stepsActingAs(namespace, plan.spec, policy.spec, deps.tenancy ?? {});
  // Problems every move shares: who the steps act as, the fencing record, the drill age.
  const shared: Problem[] = [];
  if (!acting.ok)
    shared.push({ field: "serviceAccountName", reason: acting.reason, message: acting.message, severity: "Error" });
  if (policy.spec.fencing) shared.push(...(await deps.checks.fencing(policy)));
  const drill = drillAgeProblem(policy.spec.objectives?.maxDrillAgeDays, lastSuccessfulDrill(plan, deps), now);
  if (drill) shared.push(drill);

  // A bound step that is the same for several moves (most are: a ConfigMap, a Job template) is checked once.
  const checked = new Map<string, Promise<Problem[]>>();
  const check = (step: BoundStep, move: Move): Promise<Problem[]> => {
    const id = JSON.stringify(step);
    let found = checked.get(id);
    if (!found) {
      found = deps.checks.step(step, {
        policy,
        namespace,
        ...(acting.ok && acting.serviceAccountName ? { serviceAccountName: acting.serviceAccountName } : {}),
        move,
      });
      checked.set(id, found);
    }
    return found;
  };

  const moves = await Promise.all(
    movesOf(shape.regions).map(async (move) => {
      const bound = bindMove(plan.spec, move, shape);
      const invalid = new Set(errorsOf(bound.problems).map((p) => p.step));
      const live = acting.ok
        ? await Promise.all(
            bound.steps
              // A step binding already refused is not followed further: its references are not the plan's yet.
              .filter((step) => !invalid.has(step.name))
              .map(async (step) => bestEffort(step, await check(step, move))),
          )
        : [];
      return moveStatus(move, [...shared, ...bound.problems, ...live.flat()]);
    }),
  );
  return { condition: planReadyCondition(moves, plan.metadata.generation), moves };
}

/** A bestEffort step's failure does not fail its run, so what the world says of it is a warning. */
function bestEffort(step: BoundStep, problems: Problem[]): Problem[] {
  return step.bestEffort ? problems.map((p) => ({ ...p, severity: "Warning" as const })) : problems;
}

function lastSuccessfulDrill(plan: FailoverPlan, deps: FailoverPlanDeps): number | undefined {
  const finished = deps.store
    .runsOfPlan(plan.metadata.namespace ?? "", plan.metadata.name ?? "")
    .filter((run) => run.spec.trigger === "Drill" && run.status?.phase === "Succeeded")
    .map((run) => Date.parse(run.status?.finishedAt ?? ""))
    .filter((t) => !Number.isNaN(t));
  return finished.length > 0 ? Math.max(...finished) : undefined;
}
