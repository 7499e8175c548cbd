/**
 * Self-fencing (invariant 2, design 2a): each controller reads the policy's fencing record, takes the active region and
 * epoch from it, and keeps its own cluster's role state in line — the plan's roleState.active where the record names
 * this region, roleState.fenced everywhere else. A region that was down converges when its controller sees the new
 * epoch; no controller needs credentials for another cluster to fence itself.
 */
import { selfFence, type FenceVerdict } from "../../core/plan/fencing.js";
import { activeRegionOf } from "../../core/runs.js";
import type { FailoverPlanSpecRoleState } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { errorMessage } from "../../core/errors.js";
import type { FencePorts } from "./ports.js";

export interface FenceView {
  activeRegion: string;
  epoch: number;
  verdict?: FenceVerdict;
  /** why the record could not be read; the previous view is kept meanwhile */
  readError?: string;
}

/**
 * The active region and epoch this controller acts on. Without fencing configured: the status's (or the primary).
 * When the record cannot be read, the last known values stand: a failed read is no evidence of a newer epoch, and
 * Route53's control plane lives in one AWS region whose outage must not fence every region.
 */
export async function observeFence(
  policy: RegionPolicy,
  localRegion: string,
  ports: FencePorts | undefined,
): Promise<FenceView> {
  const known = { activeRegion: activeRegionOf(policy) ?? "", epoch: policy.status?.epoch ?? 0 };
  if (!policy.spec.fencing || !ports) return known;
  try {
    const record = await ports.read(policy);
    const verdict = selfFence(localRegion, policy.status?.epoch, record);
    return record ? { activeRegion: record.active, epoch: record.epoch, verdict } : { ...known, verdict };
  } catch (error) {
    return { ...known, readError: errorMessage(error) };
  }
}

export interface RoleStateInput {
  policy: RegionPolicy;
  fence: FenceView;
  localRegion: string;
  /** this cluster's runs of the policy: the epochs they won */
  runs: FailoverRun[];
  roleState: FailoverPlanSpecRoleState | undefined;
  ports: FencePorts;
  report: (type: "Normal" | "Warning", reason: string, message: string) => void;
}

/**
 * Keeps this cluster's role state. The fenced state is kept at every reconcile (that is self-fencing); the active
 * state is applied once, when this region becomes active at a new epoch — applied continuously it would undo a plan's
 * "freeze the source first" step in the moments before the epoch moves. Without a record nobody has won an epoch,
 * and role state is left as it is rather than fencing every region. A record older than an epoch a run of this
 * cluster has already won is a stale read (reads are cached briefly): acting on it would fence the region that just
 * became active. A failure is reported, never thrown: the reconcile's evaluation and status must not be lost to it.
 */
export async function keepRoleState(input: RoleStateInput): Promise<void> {
  const { fence, policy } = input;
  const verdict = fence.verdict;
  if (verdict?.epoch === undefined) return;
  const wonEpoch = Math.max(0, ...input.runs.map((r) => r.status?.epoch ?? 0));
  if (verdict.epoch < wonEpoch) return;
  const newlyActive = policy.status?.activeRegion !== input.localRegion || policy.status.epoch !== fence.epoch;
  if (verdict.role === "active" && !newlyActive) return;
  const wanted = input.roleState?.[verdict.role];
  if (!wanted) return;
  try {
    const changed = await input.ports.applyRoleState(policy.metadata.namespace ?? "default", wanted);
    if (changed.length === 0) return;
    const message = `${verdict.message} Applied the ${verdict.role} role state: ${changed.join(", ")}.`;
    if (verdict.role === "fenced") input.report("Warning", "SelfFenced", message);
    else input.report("Normal", "ActiveRoleApplied", message);
  } catch (error) {
    const why = errorMessage(error);
    input.report("Warning", "RoleStateFailed", `Could not apply the ${verdict.role} role state: ${why}`);
  }
}
