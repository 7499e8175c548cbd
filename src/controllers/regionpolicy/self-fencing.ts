/**
 * Self-fencing (invariant 2, design 2a): each controller reads the policy's fencing record, takes the active region and
 * epoch from it, and keeps its own cluster's role state in line — the plan's roleState.active where the record names
 * this region, roleState.fenced everywhere else. A region that was down converges when its controller sees the new
 * epoch; no controller needs credentials for another cluster to fence itself.
 */
import { selfFence, type FencingRecord, type FenceVerdict } from "../../core/plan/fencing.js";
import type { FailoverPlanSpecRoleStateActive } from "../../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";

export interface FencePorts {
  /** The policy's fencing record; undefined when it does not exist. Throws when it cannot be read. */
  read(policy: RegionPolicy): Promise<FencingRecord | undefined>;
  /** Brings this cluster's flags and replica counts to `state`; returns what it changed. */
  applyRoleState(namespace: string, state: FailoverPlanSpecRoleStateActive): Promise<string[]>;
}

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
  fallbackActive: string,
  ports: FencePorts | undefined,
): Promise<FenceView> {
  const known = { activeRegion: policy.status?.activeRegion ?? fallbackActive, epoch: policy.status?.epoch ?? 0 };
  if (!policy.spec.fencing || !ports) return known;
  try {
    const record = await ports.read(policy);
    const verdict = selfFence(localRegion, policy.status?.epoch, record);
    return record ? { activeRegion: record.active, epoch: record.epoch, verdict } : { ...known, verdict };
  } catch (error) {
    return { ...known, readError: error instanceof Error ? error.message : String(error) };
  }
}
