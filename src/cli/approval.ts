/**
 * Which step an approval is for and the approvals list to write. spec.approvals is append-only (CEL) and a merge
 * patch replaces a list whole, so the new list is the existing entries plus one, written with the resourceVersion
 * it was computed from: a concurrent approval makes the write fail instead of being lost.
 */
import { isFinalPhase } from "../core/runs.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunSpecApproval } from "../crds/generated/failoverruns.js";

export interface ApprovalRequest {
  step?: string;
  by: string;
  comment?: string;
}

export type ApprovalPlan = { ok: true; step: string; patch: object } | { ok: false; problem: string };

export function planApproval(run: FailoverRun, plan: FailoverPlan | undefined, request: ApprovalRequest): ApprovalPlan {
  const name = `FailoverRun ${run.metadata.namespace}/${run.metadata.name}`;
  const phase = run.status?.phase ?? "Pending";
  if (isFinalPhase(phase)) return { ok: false, problem: `${name} has finished (phase ${phase}): nothing to approve` };
  if (request.by.trim() === "") return { ok: false, problem: "--by: an approver's name is required" };
  const step =
    request.step ?? (phase === "WaitingApproval" && run.status?.currentStep ? run.status.currentStep : undefined);
  if (step === undefined) {
    return { ok: false, problem: `${name} is not waiting for an approval (phase ${phase}); name the step with --step` };
  }
  if (plan !== undefined) {
    const planned = plan.spec.steps.find((s) => s.name === step);
    const approvals = plan.spec.steps.filter((s) => s.approval !== undefined).map((s) => s.name);
    const listed = approvals.length === 0 ? "the plan has none" : `approval steps: ${approvals.join(", ")}`;
    if (planned === undefined)
      return { ok: false, problem: `--step ${step}: no such step in FailoverPlan ${plan.metadata.name} (${listed})` };
    if (planned.approval === undefined)
      return { ok: false, problem: `--step ${step}: not an approval step (${listed})` };
  }
  const existing = run.spec.approvals ?? [];
  if (existing.some((a) => a.step === step))
    return { ok: false, problem: `step ${step} of ${name} is already approved` };
  const entry: FailoverRunSpecApproval = { step, approvedBy: request.by };
  if (request.comment !== undefined) entry.comment = request.comment;
  return {
    ok: true,
    step,
    patch: {
      metadata: { resourceVersion: run.metadata.resourceVersion },
      spec: { approvals: [...existing, entry] },
    },
  };
}
