/**
 * Whether a FailoverPlan can make each move it could be asked for, before any run needs it. A move is an ordered pair
 * of the policy's regions; the plan is bound to each (bind.ts) and the binding's problems are joined by what the shell
 * found when it followed the bound steps' references into the world (records, databases, clusters, Secrets). Pure:
 * this file turns problems into the plan's status and the policy's verdict; the shell gathers them.
 */
import type { FailoverPlanSpec, FailoverPlanStatusMove } from "../../crds/generated/failoverplans.js";
import type { ConditionUpdate } from "../conditions.js";
import { roleStateNamespaceProblems } from "../tenancy.js";
import { bindPlan } from "./bind.js";
import { ProblemReason, ReadinessReason } from "./reasons.js";
import type { BoundStep } from "./steps.js";
import { describeProblem, errorsOf, type PolicyShape, type Problem } from "./validate.js";

export interface Move {
  from: string;
  to: string;
}

export const moveName = (m: Move) => `${m.from} → ${m.to}`;

/** Every move between the regions, in spec order (from, then to). */
export function movesOf(regions: readonly string[]): Move[] {
  return regions.flatMap((from) => regions.filter((to) => to !== from).map((to) => ({ from, to })));
}

/**
 * The move automation would make next from `active` if the active region failed, health aside: back to the primary
 * when it is not active, else to the first other region in spec order (decide.ts's failoverTarget with every region
 * healthy). Readiness is about the plan, so it judges this move even while the target is unhealthy.
 */
export function automaticMove(
  regions: readonly { name: string; role?: string }[],
  active: string | undefined,
): Move | undefined {
  if (active === undefined) return undefined;
  const others = regions.filter((r) => r.name !== active);
  const to = others.find((r) => r.role === "primary") ?? others[0];
  return to && regions.some((r) => r.name === active) ? { from: active, to: to.name } : undefined;
}

/** The plan bound to one move: the steps to check in the world, and the problems binding already found. */
export function bindMove(
  spec: FailoverPlanSpec,
  move: Move,
  policy: PolicyShape,
): { steps: BoundStep[]; problems: Problem[] } {
  const bound = bindPlan(spec, move, policy);
  const roleState =
    policy.namespace === undefined
      ? []
      : roleStateNamespaceProblems(spec.roleState, policy.namespace).map((p): Problem => ({
          ...p,
          reason: ProblemReason.NamespaceNotAllowed,
          severity: "Error",
        }));
  return { steps: bound.plan.steps, problems: [...roleState, ...bound.problems] };
}

/** The union of every move's binding problems, each reported once (the CLI's offline check). */
export function validatePlan(spec: FailoverPlanSpec, policy: PolicyShape): Problem[] {
  // The same problem bound to another move differs only in region names: one report per step, field and reason.
  return unique(
    movesOf(policy.regions).flatMap((move) => bindMove(spec, move, policy).problems),
    (p) => `${p.step ?? ""}\u0000${p.field}\u0000${p.reason}`,
  );
}

/** The CRD's bound on problems per move. */
const maxProblems = 16;
/** A problem's message in status is one short sentence: API errors can nest their cause several times over. */
const maxMessage = 300;

/** One line, at most `max` characters, without the repeats some API errors carry ("x: y: x: y: …"). */
export function shortMessage(text: string, max = maxMessage): string {
  const parts = text.replace(/\s+/g, " ").trim().split(": ");
  const kept = parts.filter((part, i) => parts.indexOf(part) === i).join(": ");
  return kept.length <= max ? kept : `${kept.slice(0, max - 1)}…`;
}

const sameProblem = (p: Problem) =>
  `${p.step ?? ""}\u0000${p.field}\u0000${p.reason}\u0000${p.severity}\u0000${p.message}`;

function unique(problems: readonly Problem[], keyOf: (p: Problem) => string = sameProblem): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = keyOf(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A move's status entry: errors first, each problem once, messages short, within the CRD's bound. */
export function moveStatus(move: Move, problems: readonly Problem[]): FailoverPlanStatusMove {
  const all = unique(problems);
  const ordered = [...errorsOf(all), ...all.filter((p) => p.severity !== "Error")].slice(0, maxProblems);
  const entry: FailoverPlanStatusMove = { from: move.from, to: move.to, ready: errorsOf(all).length === 0 };
  if (ordered.length > 0) {
    entry.problems = ordered.map((p) => ({
      ...(p.step === undefined ? {} : { step: p.step }),
      field: p.field,
      reason: p.reason,
      message: shortMessage(p.message),
      severity: p.severity,
    }));
  }
  return entry;
}

/** The drill-age check (objectives.maxDrillAgeDays): an Error once the last successful drill is older, or missing. */
export function drillAgeProblem(
  maxDays: number | undefined,
  lastSuccess: number | undefined,
  now: number,
): Problem | undefined {
  if (maxDays === undefined) return undefined;
  const limitMs = maxDays * 86_400_000;
  if (lastSuccess !== undefined && now - lastSuccess <= limitMs) return undefined;
  const message =
    lastSuccess === undefined
      ? `No successful drill of this plan is recorded; the policy asks for one every ${maxDays} day(s).`
      : `The last successful drill finished ${Math.floor((now - lastSuccess) / 86_400_000)} day(s) ago; the policy allows ${maxDays}.`;
  return { field: "objectives.maxDrillAgeDays", reason: ReadinessReason.DrillTooOld, message, severity: "Error" };
}

const problemLine = (p: { step?: string; field: string; message: string }) =>
  describeProblem({ ...p, reason: ReadinessReason.CheckFailed, severity: "Error" });

/**
 * The plan's Ready condition: True when every move can be made (warnings listed), else False with the reason of the
 * first error of the first move that cannot be made, and the failing moves and their errors in the message.
 */
export function planReadyCondition(
  moves: readonly FailoverPlanStatusMove[],
  observedGeneration?: number,
): ConditionUpdate {
  const failing = moves.filter((m) => !m.ready);
  const firstError = failing[0]?.problems?.find((p) => p.severity === "Error");
  const withGeneration = (c: ConditionUpdate) => (observedGeneration === undefined ? c : { ...c, observedGeneration });
  if (firstError === undefined) {
    const warnings = [...new Set(moves.flatMap((m) => (m.problems ?? []).map((p) => `Warning: ${problemLine(p)}`)))];
    return withGeneration({
      type: "Ready",
      status: "True",
      reason: ReadinessReason.AllMovesReady,
      message: [`Every move (${moves.length}) can be made.`, ...warnings].join("\n"),
    });
  }
  const lines = failing.map(
    (m) =>
      `${moveName(m)}: ${(m.problems ?? [])
        .filter((p) => p.severity === "Error")
        .map(problemLine)
        .join("; ")}`,
  );
  return withGeneration({
    type: "Ready",
    status: "False",
    reason: firstError.reason,
    message: [`${failing.length} of ${moves.length} move(s) cannot be made.`, ...lines].join("\n"),
  });
}

/** A plan Ready=False condition for a plan that cannot be checked at all (no policy): no moves to list. */
export function planUncheckable(reason: string, message: string, observedGeneration?: number): ConditionUpdate {
  return {
    type: "Ready",
    status: "False",
    reason,
    message,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
  };
}

/**
 * The policy's verdict on its plan: the move automation would make next, if the plan's last evaluation (of the
 * current spec) found it cannot be made. A verdict of an older generation is not trusted either way.
 */
export function automaticMoveProblem(
  plan: {
    metadata: { name?: string; generation?: number };
    status?: { observedGeneration?: number; moves?: FailoverPlanStatusMove[] };
  },
  move: Move | undefined,
): { reason: string; message: string } | undefined {
  if (move === undefined || plan.status?.observedGeneration !== plan.metadata.generation) return undefined;
  const entry = plan.status?.moves?.find((m) => m.from === move.from && m.to === move.to);
  if (entry === undefined || entry.ready) return undefined;
  const first = entry.problems?.find((p) => p.severity === "Error");
  return {
    reason: "PlanNotReady",
    message: `FailoverPlan ${plan.metadata.name ?? ""} cannot make the next automatic move (${moveName(move)})${
      first ? `: ${problemLine(first)}` : ""
    }`,
  };
}

export interface PodQuota {
  name: string;
  hard?: Record<string, string>;
  used?: Record<string, string>;
}

/**
 * Whether scaling a Deployment from `current` to `wanted` replicas fits the namespace's ResourceQuotas on pods
 * (`pods`, `count/pods`): the message of the first quota it would exceed, or undefined. Scaling down always fits.
 */
export function podQuotaShortfall(quotas: readonly PodQuota[], current: number, wanted: number): string | undefined {
  const more = wanted - current;
  if (more <= 0) return undefined;
  for (const quota of quotas) {
    for (const key of ["pods", "count/pods"]) {
      const hard = Number(quota.hard?.[key]);
      if (!Number.isFinite(hard)) continue;
      const used = Number(quota.used?.[key] ?? 0) || 0;
      if (used + more > hard) {
        return `${more} more pod(s) needed; ResourceQuota ${quota.name} allows ${Math.max(0, hard - used)} more (${key}: ${used} of ${hard} used).`;
      }
    }
  }
  return undefined;
}
