/** The FailoverPlan's status from one evaluation: every move, the Ready condition, and whether it changed. */
import { setCondition } from "../../core/conditions.js";
import { jsonEqual } from "../../core/merge-patch.js";
import { toRfc3339 } from "../../core/time.js";
import type { ConditionUpdate } from "../../core/conditions.js";
import type { FailoverPlan, FailoverPlanStatus, FailoverPlanStatusMove } from "../../crds/generated/failoverplans.js";

export function planStatus(
  plan: FailoverPlan,
  ready: ConditionUpdate,
  moves: FailoverPlanStatusMove[],
  now: number,
): FailoverPlanStatus {
  const status: FailoverPlanStatus = {
    observedGeneration: plan.metadata.generation ?? 0,
    lastEvaluationTime: toRfc3339(now),
    conditions: setCondition(plan.status?.conditions, ready, now),
  };
  if (moves.length > 0) status.moves = moves;
  return status;
}

/** What a person would call a change: the verdicts, not the evaluation time or a reworded message. */
export function readinessChanged(before: FailoverPlanStatus | undefined, after: FailoverPlanStatus): boolean {
  const verdict = (s: FailoverPlanStatus | undefined) => ({
    generation: s?.observedGeneration,
    ready: s?.conditions?.find((c) => c.type === "Ready")?.status,
    moves: s?.moves?.map((m) => ({ ...m, problems: m.problems?.map((p) => [p.step, p.field, p.reason]) })),
  });
  return !jsonEqual(verdict(before), verdict(after));
}
