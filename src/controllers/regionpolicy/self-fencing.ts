/**
 * Self-fencing (invariant 2, design 2a): each controller reads the policy's fencing record, takes the active region and
 * epoch from it, and keeps its own cluster's role state in line — the plan's roleState.active where the record names
 * this region, roleState.fenced everywhere else. A region that was down converges when its controller sees the new
 * epoch; no controller needs credentials for another cluster to fence itself.
 */
import { selfFence, type FenceVerdict, type FencingRecord } from "../../core/plan/fencing.js";
import { activeRegionOf, isFinalPhase } from "../../core/runs.js";
import type { FailoverPlanSpecRoleState } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { errorMessage } from "../../core/errors.js";
import { fenceReadAge, type FenceReadAges, type FenceReadFacts } from "../../core/plan/fence-read-age.js";
import type { FencePorts } from "./ports.js";

export interface FenceView {
  activeRegion: string;
  epoch: number;
  verdict?: FenceVerdict;
  /** the record as read, with the system's transition history (invariant 5) */
  record?: FencingRecord;
  /** why the record could not be read; the previous view is kept meanwhile */
  readError?: string;
}

/**
 * The active region and epoch this controller acts on. Without fencing configured: the status's (or the primary).
 * When the record cannot be read, the last known values stand: a failed read is no evidence of a newer epoch, and
 * Route53's control plane lives in one AWS region whose outage must not fence every region. How old a record may be
 * read depends on whether anything is happening (fence-read-age.ts).
 */
export async function observeFence(
  policy: RegionPolicy,
  localRegion: string,
  ports: FencePorts | undefined,
  freshness: { facts: Omit<FenceReadFacts, "record">; ages: FenceReadAges },
): Promise<FenceView> {
  const known = { activeRegion: activeRegionOf(policy) ?? "", epoch: policy.status?.epoch ?? 0 };
  if (!policy.spec.fencing || !ports) return known;
  try {
    const age = fenceReadAge(freshness.facts, freshness.ages);
    let record = await ports.read(policy, { maxAgeMs: age });
    // A settled read that finds a move under way is read again at the short age, so the move is followed closely.
    const sooner = fenceReadAge({ ...freshness.facts, ...(record ? { record } : {}) }, freshness.ages);
    if (sooner < age) record = await ports.read(policy, { maxAgeMs: sooner });
    const verdict = selfFence(localRegion, policy.status?.epoch, record);
    return record ? { activeRegion: record.active, epoch: record.epoch, verdict, record } : { ...known, verdict };
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
  /** the ServiceAccount of the policy's namespace that role state is applied as (undefined: the controller) */
  serviceAccountName?: string;
  ports: FencePorts;
  report: (type: "Normal" | "Warning", reason: string, message: string) => void;
}

/**
 * Whether the region that won the current epoch may become writable now (invariant 2: role state follows the plan).
 * The run that won it makes the region active through its own steps (promotion, waits, approvals, unfreeze); only once
 * it has succeeded does self-fencing apply roleState.active — or when this cluster holds no run of that epoch at all
 * (a seeded record, a restart long after the move, a pruned history). A run of that epoch still under way, or one that
 * ended any other way, withholds it: writes resume where a person or the plan says so.
 */
function activeWithheld(fence: FenceView, runs: readonly FailoverRun[], localRegion: string): string | undefined {
  const winner =
    runs.find((r) => fence.record?.run !== undefined && r.metadata.name === fence.record.run) ??
    runs.find((r) => r.status?.epoch === fence.epoch && r.spec.to === localRegion);
  if (winner === undefined) return undefined;
  const phase = winner.status?.phase;
  if (!isFinalPhase(phase))
    return `FailoverRun ${winner.metadata.name} that won epoch ${fence.epoch} is still ${phase ?? "Pending"}`;
  if (phase !== "Succeeded") return `FailoverRun ${winner.metadata.name} that won epoch ${fence.epoch} ended ${phase}`;
  return undefined;
}

async function stillActive({ policy, fence, localRegion, ports }: RoleStateInput): Promise<boolean> {
  try {
    const record = await ports.read(policy, { fresh: true });
    return record?.active === localRegion && record.epoch === fence.epoch;
  } catch {
    return false;
  }
}

/**
 * Keeps this cluster's role state and returns the epoch at which roleState.active now stands applied (for
 * status.activeRoleStateEpoch). The fenced state is kept at every reconcile where the record names another region
 * (that is self-fencing); the active state is applied once per epoch, after the run that won it (activeWithheld) —
 * applied continuously it would undo a plan's "freeze the source first" step. Without a record nobody has won an
 * epoch, and role state is left as it is rather than fencing every region. A record older than an epoch a run of this
 * cluster has already won is a stale read (reads are cached briefly): acting on it would fence the region that just
 * became active. A failure is reported, never thrown: the reconcile's evaluation and status must not be lost to it.
 */
export async function keepRoleState(input: RoleStateInput): Promise<number | undefined> {
  const { fence, policy } = input;
  // Written by this version only: after an upgrade the active state is applied once more, a no-op where it holds.
  const applied = policy.status?.activeRoleStateEpoch;
  const verdict = fence.verdict;
  if (verdict?.epoch === undefined) return applied;
  const wonEpoch = Math.max(0, ...input.runs.map((r) => r.status?.epoch ?? 0));
  if (verdict.epoch < wonEpoch) return applied;
  if (verdict.role === "active") {
    if (applied === fence.epoch) return applied;
    const withheld = activeWithheld(fence, input.runs, input.localRegion);
    if (withheld !== undefined) return applied;
    // The decision to make this region writable rests on the record itself, not on a cached copy: the next move may
    // already have frozen the region again (found by test/sim).
    if (!(await stillActive(input))) return applied;
  }
  const wanted = input.roleState?.[verdict.role];
  const done = verdict.role === "active" ? fence.epoch : applied;
  if (!wanted) return done;
  try {
    const namespace = policy.metadata.namespace ?? "default";
    const changed = await input.ports.applyRoleState(namespace, wanted, input.serviceAccountName);
    if (changed.length === 0) return done;
    const message = `${verdict.message} Applied the ${verdict.role} role state: ${changed.join(", ")}.`;
    if (verdict.role === "fenced") input.report("Warning", "SelfFenced", message);
    else input.report("Normal", "ActiveRoleApplied", message);
    return done;
  } catch (error) {
    const why = errorMessage(error);
    input.report("Warning", "RoleStateFailed", `Could not apply the ${verdict.role} role state: ${why}`);
    return applied;
  }
}
