/**
 * Checks of what a person typed against the objects it names, before anything is created: each returns the one-line
 * message to show (naming the object and the flag), or nothing. Pure, so every rule has a table test.
 */
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

const policyName = (policy: RegionPolicy) => `RegionPolicy ${policy.metadata.namespace}/${policy.metadata.name}`;

export function regionsOf(policy: RegionPolicy): string[] {
  return policy.spec.regions.map((r) => r.name);
}

/** The problem with moving `from` → `to` under `policy`, if there is one. */
export function moveProblem(policy: RegionPolicy, from: string | undefined, to: string): string | undefined {
  const regions = regionsOf(policy);
  const known = `regions: ${regions.join(", ")}`;
  if (!regions.includes(to)) return `--to ${to}: not a region of ${policyName(policy)} (${known})`;
  if (from === undefined) return `--from is required: ${policyName(policy)} has no active or primary region`;
  if (!regions.includes(from)) return `--from ${from}: not a region of ${policyName(policy)} (${known})`;
  if (from === to) return `--from and --to are both ${to}: nothing to move`;
  return undefined;
}

/** The plan a policy's runs execute, or the problem with it. */
export function planProblem(policy: RegionPolicy, plan: FailoverPlan | undefined): string | undefined {
  const ref = policy.spec.automation.failoverPlanRef?.name;
  if (ref === undefined) return `${policyName(policy)} has no spec.automation.failoverPlanRef: no plan to run`;
  if (plan === undefined) return `FailoverPlan ${policy.metadata.namespace}/${ref} (${policyName(policy)}) not found`;
  if (plan.spec.regionPolicyRef.name !== policy.metadata.name) {
    return `FailoverPlan ${ref} belongs to RegionPolicy ${plan.spec.regionPolicyRef.name}, not ${policy.metadata.name}`;
  }
  return undefined;
}

const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** A --timeout value in seconds: a positive number. */
export function parseSeconds(flag: string, value: string): number | string {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : `${flag} ${value}: expected a positive number of seconds`;
}

export function isRfc3339(value: string): boolean {
  return rfc3339.test(value);
}
