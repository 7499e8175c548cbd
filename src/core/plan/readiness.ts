/**
 * Whether a FailoverPlan is ready, before any run binds it: the plan is bound to every ordered pair of the policy's
 * regions (every failover a run could ask for) and the problems of all pairs are collected, each reported once. The
 * result is the plan's Ready condition.
 */
import type { FailoverPlanSpec } from "../../crds/generated/failoverplans.js";
import type { ConditionUpdate } from "../conditions.js";
import { roleStateNamespaceProblems } from "../tenancy.js";
import { bindPlan } from "./bind.js";
import { ProblemReason } from "./reasons.js";
import { describeProblem, errorsOf, type PolicyShape, type Problem } from "./validate.js";

export function validatePlan(spec: FailoverPlanSpec, policy: PolicyShape): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  // Role state is not a step: it is bound to no pair, and is checked once.
  if (policy.namespace !== undefined) {
    for (const p of roleStateNamespaceProblems(spec.roleState, policy.namespace)) {
      problems.push({ ...p, reason: ProblemReason.NamespaceNotAllowed, severity: "Error" });
    }
  }
  for (const from of policy.regions) {
    for (const to of policy.regions) {
      if (from === to) continue;
      for (const p of bindPlan(spec, { from, to }, policy).problems) {
        // The same problem bound to another pair differs only in region names: one report per step, field and reason.
        const key = `${p.step ?? ""}\u0000${p.field}\u0000${p.reason}`;
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push(p);
      }
    }
  }
  return problems;
}

/** Ready is True with warnings listed, or False with the first error's reason and every problem in the message. */
export function readyCondition(problems: readonly Problem[], observedGeneration?: number): ConditionUpdate {
  const errors = errorsOf(problems);
  const lines = problems.map((p) => `${p.severity}: ${describeProblem(p)}`);
  const condition: ConditionUpdate =
    errors[0] === undefined
      ? {
          type: "Ready",
          status: "True",
          reason: ProblemReason.Valid,
          message: ["The plan is valid against its RegionPolicy.", ...lines].join("\n"),
        }
      : { type: "Ready", status: "False", reason: errors[0].reason, message: lines.join("\n") };
  if (observedGeneration !== undefined) condition.observedGeneration = observedGeneration;
  return condition;
}
