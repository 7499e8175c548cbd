/**
 * Whether the quorum can be reached at all (invariant 3: an unreachable quorum is a configuration error, reported,
 * never a silent "Healthy" or a region that can never fail over). Every region's controller probes every signal that
 * is not a Route53 health check, so each region with such a signal has one observer per region whose view can be
 * read; a route53HealthCheck signal adds Route53's checkers as one more.
 */
import type { ResolvedPolicy } from "../policy.js";
import { ROUTE53_OBSERVER } from "./signal-health.js";

export interface QuorumProblem {
  /** The spec field to change. */
  field: "spec.regionUnhealthyWhen.quorum";
  message: string;
}

/**
 * The observers that can ever judge `region` for the controller of `localRegion`, whether or not they are heard from
 * now: itself, the controllers of the regions whose cluster a kubeconfig Secret names (their views are read through
 * it), and Route53. Without `localRegion`, every region's controller counts (the policy as a whole).
 */
export function possibleObservers(policy: ResolvedPolicy, region: string, localRegion?: string): string[] {
  const own = policy.signals.filter((s) => s.region === region);
  const observers: string[] = [];
  if (own.some((s) => s.route53HealthCheck === undefined)) {
    const readable = policy.regions.filter((r) => localRegion === undefined || r.name === localRegion || r.peer);
    observers.push(...readable.map((r) => `controller/${r.name}`));
  }
  if (own.some((s) => s.route53HealthCheck !== undefined)) observers.push(ROUTE53_OBSERVER);
  return observers;
}

export function unreachableQuorum(policy: ResolvedPolicy, localRegion?: string): QuorumProblem | undefined {
  const quorum = Math.max(1, policy.regionUnhealthyWhen.quorum);
  for (const region of policy.regions) {
    const observers = possibleObservers(policy, region.name, localRegion);
    if (observers.length >= quorum) continue;
    const who =
      observers.length === 0
        ? "no signal observes it"
        : `only ${observers.length} observer${observers.length === 1 ? "" : "s"} can judge it (${observers.join(", ")})`;
    return {
      field: "spec.regionUnhealthyWhen.quorum",
      message:
        `spec.regionUnhealthyWhen.quorum is ${quorum}, but for region ${region.name} ${who}: it could never be judged ` +
        `Unhealthy or Healthy. Lower the quorum, name the other regions' clusters (cluster.kubeconfigSecretRef: their ` +
        `controllers' views are read through it), or add a route53HealthCheck signal (Route53's checkers observe too).`,
    };
  }
  return undefined;
}

export interface RegionLossRisk {
  /** The region whose loss could not be judged. */
  region: string;
  message: string;
}

/**
 * Whether the loss of a whole region, its own controller with it, can still be judged by a quorum (invariant 3 read
 * the other way): a dead region's controller publishes nothing, so it is absent, not failing. With two regions, two
 * controllers and a quorum of two, the survivor's word alone is no quorum and the dead region stays Unknown — the
 * safe answer (one observer never moves the writer), but one the policy's owner must know about before the day. For
 * one controller (`localRegion`), the regions it would have to judge after their loss are the others: its own loss is
 * for the other regions' controllers to judge, and they report it in their clusters.
 */
export function regionLossUndetectable(policy: ResolvedPolicy, localRegion?: string): RegionLossRisk | undefined {
  const quorum = Math.max(1, policy.regionUnhealthyWhen.quorum);
  for (const region of policy.regions) {
    if (region.name === localRegion) continue;
    const observers = possibleObservers(policy, region.name, localRegion);
    if (observers.length < quorum) continue; // unreachable altogether: unreachableQuorum reports it
    const survivors = observers.filter((o) => o !== `controller/${region.name}`);
    if (survivors.length >= quorum) continue;
    return {
      region: region.name,
      message:
        `If region ${region.name} is lost with its controller, ${survivors.length === 0 ? "no observer" : survivors.join(", ")} ` +
        `remain${survivors.length === 1 ? "s" : ""} to judge it, fewer than spec.regionUnhealthyWhen.quorum (${quorum}): it ` +
        `would stay Unknown and never fail over automatically. Add a route53HealthCheck signal for ${region.name} ` +
        `(Route53's checkers observe from outside), or a region whose controller observes it.`,
    };
  }
  return undefined;
}
