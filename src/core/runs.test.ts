import { describe, expect, it } from "vitest";
import { policyLabel } from "../crds/definitions.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import {
  activeRegionOf,
  automaticRun,
  drillRunName,
  failbackRun,
  failbackRunName,
  isFailbackRunName,
  isFinalPhase,
  manualRun,
  planLookup,
  policiesOfRun,
  policyOfRun,
  runsOfPolicy,
  scheduledTimeOf,
} from "./runs.js";

const plan = (name: string, policy: string): FailoverPlan => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverPlan",
  metadata: { name, namespace: "shop" },
  spec: { regionPolicyRef: { name: policy }, steps: [] },
});

const run = (name: string, planName: string, labelled?: string): FailoverRun => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverRun",
  metadata: { name, namespace: "shop", ...(labelled ? { labels: { [policyLabel]: labelled } } : {}) },
  spec: { planRef: { name: planName }, from: "us-east-1", to: "eu-west-1" },
});

const plans = planLookup([plan("checkout", "checkout"), plan("billing", "billing")]);

describe("the runs of a policy", () => {
  it("are those labelled for it and those of one of its plans", () => {
    const runs = [
      run("auto", "other", "checkout"),
      run("by-hand", "checkout"),
      run("billing", "billing"),
      run("orphan", "gone"),
    ];
    expect(runsOfPolicy(runs, "checkout", plans).map((r) => r.metadata.name)).toEqual(["auto", "by-hand"]);
  });

  it.each([
    ["a run written by hand, without a label", run("r", "checkout"), ["checkout"]],
    ["a labelled run of the policy's plan", run("r", "checkout", "checkout"), ["checkout"]],
    ["a run labelled for another policy than its plan's", run("r", "billing", "checkout"), ["billing", "checkout"]],
    ["an unlabelled run whose plan is gone", run("r", "gone"), []],
  ])("%s counts for its plan's policy and its label's", (_case, r, policies) => {
    expect(policiesOfRun(r, plans)).toEqual(policies);
  });

  it("acts for its plan's policy, else its label's once the plan is gone", () => {
    expect(policyOfRun(run("r", "billing", "checkout"), plan("billing", "billing"))).toBe("billing");
    expect(policyOfRun(run("r", "gone", "checkout"), undefined)).toBe("checkout");
    expect(policyOfRun(run("r", "gone"), undefined)).toBeUndefined();
  });
});

describe("isFinalPhase", () => {
  it.each(["Succeeded", "Failed", "RolledBack", "Cancelled"])("%s is over", (phase) => {
    expect(isFinalPhase(phase)).toBe(true);
  });

  it.each(["Pending", "Running", "WaitingApproval", undefined])(
    "%s is not (a run without a phase is Pending)",
    (phase) => {
      expect(isFinalPhase(phase)).toBe(false);
    },
  );
});

describe("run manifests", () => {
  const policy: RegionPolicy = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace: "shop" },
    spec: {
      regions: [{ name: "us-east-1", role: "primary" }, { name: "eu-west-1" }],
      signals: [],
      automation: { mode: "Automatic", failoverPlanRef: { name: "checkout-plan" } },
    },
  };
  const move = { kind: "Failover", from: "us-east-1", to: "eu-west-1", reason: "RegionUnhealthy", message: "api" };

  it("an automatic run names its target and second, carries the label and the decision's reason", () => {
    const r = automaticRun(policy, move, Date.UTC(2025, 0, 1));
    expect(r.metadata).toEqual({
      name: `checkout-failover-eu-west-1-${Math.floor(Date.UTC(2025, 0, 1) / 1000).toString(36)}`,
      namespace: "shop",
      labels: { [policyLabel]: "checkout" },
    });
    expect(r.spec).toEqual({
      planRef: { name: "checkout-plan" },
      from: "us-east-1",
      to: "eu-west-1",
      trigger: "Automatic",
      reason: "RegionUnhealthy: api",
    });
  });

  it("a manual run is labelled for its policy and named by the server", () => {
    const request = { namespace: "shop", policy: "checkout", plan: "checkout-plan", reason: "INC-1", dryRun: true };
    const r = manualRun({ ...request, from: "us-east-1", to: "eu-west-1" });
    expect(r.metadata).toEqual({
      generateName: "checkout-preview-",
      namespace: "shop",
      labels: { [policyLabel]: "checkout" },
    });
    expect(r.spec.trigger).toBe("Manual");
  });

  it("a drill's names give back its due time, and its failback moves back under the same labels", () => {
    const name = drillRunName("weekly", Date.UTC(2025, 0, 1, 3));
    expect(scheduledTimeOf(name)).toBe(Date.UTC(2025, 0, 1, 3));
    const labelled = run(name, "checkout-plan", "checkout");
    const drill = { ...labelled, spec: { ...labelled.spec, drill: { failback: true } } };
    const back = failbackRun(drill);
    expect(back.metadata.name).toBe(failbackRunName(name));
    expect(isFailbackRunName(back.metadata.name ?? "")).toBe(true);
    expect(back.metadata.labels).toEqual(drill.metadata.labels);
    expect([back.spec.from, back.spec.to, back.spec.drill?.failback]).toEqual(["eu-west-1", "us-east-1", false]);
  });
});

describe("activeRegionOf", () => {
  const regions = (...roles: ("primary" | "secondary" | undefined)[]) => ({
    spec: {
      regions: roles.map((role, i) => ({ name: `r${i}`, ...(role ? { role } : {}) })),
      signals: [],
      automation: {},
    },
  });

  it("is the active region the status records", () => {
    expect(activeRegionOf({ ...regions("primary", "secondary"), status: { activeRegion: "r1" } })).toBe("r1");
  });

  it("is the primary before the controller has recorded one", () => {
    expect(activeRegionOf(regions("secondary", "primary"))).toBe("r1");
  });

  it("is the first region of a spec without a primary", () => {
    expect(activeRegionOf(regions(undefined, "secondary"))).toBe("r0");
  });
});
