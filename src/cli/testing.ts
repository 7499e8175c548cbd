/** Test support for the command line's pure modules (imported by the *.test.ts files beside it only): builders. */
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

export function policy(
  mods: { status?: RegionPolicy["status"]; annotations?: Record<string, string> } = {},
): RegionPolicy {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace: "shop", ...(mods.annotations ? { annotations: mods.annotations } : {}) },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: "eu-west-1", role: "secondary" },
      ],
      signals: [],
      automation: { mode: "Automatic", failoverPlanRef: { name: "checkout" } },
    },
    ...(mods.status ? { status: mods.status } : {}),
  };
}

export function plan(name = "checkout", policyName = "checkout"): FailoverPlan {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name, namespace: "shop" },
    spec: {
      regionPolicyRef: { name: policyName },
      steps: [
        { name: "shift-traffic", route53: { hostedZoneId: "Z1", recordName: "api", setIdentifiers: {}, weights: {} } },
        { name: "approve-unfreeze", approval: { message: "ok?" } },
      ],
    },
  };
}

export function run(
  name: string,
  status: FailoverRunStatus = {},
  mods: { plan?: string; labels?: Record<string, string>; spec?: Partial<FailoverRun["spec"]> } = {},
): FailoverRun {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name, namespace: "shop", resourceVersion: "42", ...(mods.labels ? { labels: mods.labels } : {}) },
    spec: { planRef: { name: mods.plan ?? "checkout" }, from: "us-east-1", to: "eu-west-1", ...mods.spec },
    status,
  };
}
