import { describe, expect, it } from "vitest";
import { policyLabel } from "../crds/definitions.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import { isFinalPhase, planLookup, policiesOfRun, policyOfRun, runsOfPolicy } from "./runs.js";

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
