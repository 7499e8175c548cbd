/**
 * `switchyard check`: whether a policy's plan can make each move now, as the FailoverPlan controller last found it
 * (FailoverPlan.status.moves), and whether that finding is of the plan as it is now. Pure: the command reads the
 * objects, this decides what they say and whether they say "ready".
 *
 * A finding that is missing or of an older generation is not "ready": the check's exit code is what a pipeline or a
 * pre-change gate branches on, and an unconfirmed yes is how a broken plan reaches the day it is needed.
 */
import { findCondition, type Condition } from "../core/conditions.js";
import type { FailoverPlan, FailoverPlanStatusMoveProblem } from "../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { age, columns } from "./format.js";
import { planProblem } from "./validate.js";

/** How current the plan's evaluation is. */
export type Evaluation = "current" | "stale" | "not yet evaluated" | "no plan";

export interface MoveCheck {
  from: string;
  to: string;
  /** Undefined when the evaluation holds no finding for this move. */
  ready?: boolean;
  problems: FailoverPlanStatusMoveProblem[];
}

export interface PolicyCheck {
  namespace: string;
  policy: string;
  plan?: string;
  /** True only when the evaluation is current and every move of the policy's regions was found ready. */
  ready: boolean;
  evaluation: Evaluation;
  /** Why there is no usable evaluation (no plan, the plan belongs elsewhere), when there is none. */
  problem?: string;
  generation?: number;
  observedGeneration?: number;
  lastEvaluationTime?: string;
  planReady?: Pick<Condition, "status" | "reason" | "message">;
  policyReady?: Pick<Condition, "status" | "reason" | "message">;
  moves: MoveCheck[];
}

export interface CheckInput {
  policy: RegionPolicy;
  /** The policy's plan (spec.automation.failoverPlanRef), undefined when it does not exist. */
  plan?: FailoverPlan;
}

const conditionOf = (conditions: readonly Condition[] | undefined, type: string) => {
  const c = findCondition(conditions, type);
  return c === undefined ? undefined : { status: c.status, reason: c.reason, message: c.message };
};

/** Every ordered pair of the policy's regions, in spec order: the moves a run could be asked to make. */
function pairs(policy: RegionPolicy): { from: string; to: string }[] {
  const regions = policy.spec.regions.map((r) => r.name);
  return regions.flatMap((from) => regions.filter((to) => to !== from).map((to) => ({ from, to })));
}

function evaluationOf(plan: FailoverPlan): Evaluation {
  const observed = plan.status?.observedGeneration;
  if (observed === undefined || plan.status?.lastEvaluationTime === undefined) return "not yet evaluated";
  return observed < (plan.metadata.generation ?? 0) ? "stale" : "current";
}

export function checkPolicy({ policy, plan }: CheckInput): PolicyCheck {
  const base = {
    namespace: policy.metadata.namespace ?? "",
    policy: policy.metadata.name ?? "",
    ...(policy.spec.automation.failoverPlanRef ? { plan: policy.spec.automation.failoverPlanRef.name } : {}),
  };
  const policyReady = conditionOf(policy.status?.conditions, "Ready");
  const withPolicy = policyReady ? { policyReady } : {};
  const problem = planProblem(policy, plan);
  if (problem !== undefined || plan === undefined) {
    return { ...base, ...withPolicy, ready: false, evaluation: "no plan", problem: problem ?? "no plan", moves: [] };
  }
  const evaluation = evaluationOf(plan);
  const found = plan.status?.moves ?? [];
  const moves: MoveCheck[] = pairs(policy).map(({ from, to }) => {
    const move = found.find((m) => m.from === from && m.to === to);
    return move === undefined
      ? { from, to, problems: [] }
      : { from, to, ready: move.ready, problems: move.problems ?? [] };
  });
  const planReady = conditionOf(plan.status?.conditions, "Ready");
  return {
    ...base,
    ready: evaluation === "current" && moves.length > 0 && moves.every((m) => m.ready === true),
    evaluation,
    ...(plan.metadata.generation !== undefined ? { generation: plan.metadata.generation } : {}),
    ...(plan.status?.observedGeneration !== undefined ? { observedGeneration: plan.status.observedGeneration } : {}),
    ...(plan.status?.lastEvaluationTime ? { lastEvaluationTime: plan.status.lastEvaluationTime } : {}),
    ...(planReady ? { planReady } : {}),
    ...withPolicy,
    moves,
  };
}

/** A condition on one labelled line; a message of several lines (one per move) goes on, indented under the label. */
const describeCondition = (c: Pick<Condition, "status" | "reason" | "message"> | undefined) =>
  c === undefined
    ? "unknown (no condition)"
    : `${c.status} (${c.reason})${c.message ? `: ${c.message.trimEnd().replaceAll("\n", `\n${" ".repeat(15)}`)}` : ""}`;

function evaluationLine(check: PolicyCheck, now: number): string {
  const at = check.lastEvaluationTime;
  switch (check.evaluation) {
    case "not yet evaluated":
      return "not yet evaluated: the FailoverPlan controller has written no readiness for this plan";
    case "stale":
      return (
        `STALE: ${at ?? "-"} (${age(at, now)} ago) evaluated generation ${check.observedGeneration ?? "-"}, ` +
        `the plan is at generation ${check.generation ?? "-"}; the moves below may not hold for the plan as it is`
      );
    default:
      return `${at ?? "-"} (${age(at, now)} ago), generation ${check.observedGeneration ?? "-"} (current)`;
  }
}

/** One line per problem: severity, where (step and field), reason, message. */
export function problemLine(p: FailoverPlanStatusMoveProblem): string {
  const where = `${p.step === undefined ? "plan" : `step ${p.step}`}, ${p.field}`;
  return `${p.severity === "Warning" ? "warning" : "error  "} ${where}: ${p.reason}: ${p.message}`;
}

const readyWord = (m: MoveCheck) => (m.ready === undefined ? "unknown" : m.ready ? "yes" : "NO");

export function renderCheck(check: PolicyCheck, now: number): string {
  const head = `RegionPolicy ${check.namespace}/${check.policy}: ${check.ready ? "READY" : "NOT READY"}`;
  const policyLine = `Policy Ready:  ${describeCondition(check.policyReady)}`;
  if (check.evaluation === "no plan") return [head, `Plan:          ${check.problem ?? "none"}`, policyLine].join("\n");
  const lines = [
    head,
    `Plan:          FailoverPlan ${check.plan ?? "-"}, Ready ${describeCondition(check.planReady)}`,
    `Evaluated:     ${evaluationLine(check, now)}`,
    policyLine,
    "",
  ];
  const rows = check.moves.map((m) => [
    `  ${m.from} → ${m.to}`,
    readyWord(m),
    m.ready === undefined ? "not evaluated" : String(m.problems.filter((p) => p.severity === "Error").length),
    String(m.problems.filter((p) => p.severity === "Warning").length),
  ]);
  const table = columns([["  MOVE", "READY", "ERRORS", "WARNINGS"], ...rows]);
  lines.push(table[0] ?? "");
  check.moves.forEach((m, i) => {
    lines.push(table[i + 1] ?? "");
    for (const p of m.problems) lines.push(`      ${problemLine(p)}`);
  });
  return lines.join("\n");
}

/** The verdict over every policy checked; nothing checked is not "ready" (a gate aimed at the wrong namespace fails). */
export const allReady = (checks: readonly PolicyCheck[]): boolean => checks.length > 0 && checks.every((c) => c.ready);

/** The JSON form of `check -o json`: every policy's finding and the verdict over all of them. */
export function checkJson(checks: readonly PolicyCheck[]): string {
  return JSON.stringify({ ready: allReady(checks), policies: checks }, null, 2);
}
