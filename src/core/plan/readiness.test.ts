import { describe, expect, it } from "vitest";
import type { FailoverPlanSpec } from "../../crds/generated/failoverplans.js";
import { readyCondition, validatePlan } from "./readiness.js";
import { ProblemReason } from "./reasons.js";

const regions = ["us-east-1", "eu-west-1", "ap-south-1"];
const setIdentifiers = { "us-east-1": "use1", "eu-west-1": "euw1", "ap-south-1": "aps1" };

const plan = (weights: Record<string, number>, extra: FailoverPlanSpec["steps"] = []): FailoverPlanSpec => ({
  regionPolicyRef: { name: "checkout" },
  steps: [
    { name: "shift", route53: { hostedZoneId: "Z", recordName: "api.example.com", setIdentifiers, weights } },
    ...extra,
  ],
});

describe("validatePlan: every failover a run could ask for", () => {
  it("a template plan is valid for every pair of regions", () => {
    expect(validatePlan(plan({ "{{to}}": 100, "{{from}}": 0 }), { regions })).toEqual([]);
  });

  it("a literal region breaks only some pairs, and is reported once", () => {
    // For to = eu-west-1, '{{to}}' and 'eu-west-1' collide; for the other pairs the plan is fine.
    const problems = validatePlan(plan({ "{{to}}": 100, "eu-west-1": 0 }), { regions });
    expect(problems.map((p) => [p.step, p.reason])).toEqual([["shift", ProblemReason.WeightsCollide]]);
  });

  it("an RDS replica in a fixed region cannot be the writer for every target", () => {
    const problems = validatePlan(
      plan({ "{{to}}": 100 }, [{ name: "p", rdsPromoteReplica: { region: "eu-west-1", dbInstanceIdentifier: "r" } }]),
      { regions },
    );
    expect(problems.map((p) => p.reason)).toEqual([ProblemReason.NoWriterLeft]);
  });
});

describe("readyCondition", () => {
  it("True, listing warnings", () => {
    const condition = readyCondition(
      validatePlan({ regionPolicyRef: { name: "c" }, steps: [{ name: "a", approval: { message: "m" } }] }, { regions }),
      3,
    );
    expect(condition).toMatchObject({
      type: "Ready",
      status: "True",
      reason: ProblemReason.Valid,
      observedGeneration: 3,
    });
    expect(condition.message).toMatch(/Warning: steps: No step moves traffic/);
  });

  it("False, with the first error's reason and every problem", () => {
    const condition = readyCondition(validatePlan(plan({ "{{from}}": 0, "{{to}}": 0 }), { regions }));
    expect(condition).toMatchObject({ type: "Ready", status: "False", reason: ProblemReason.NeverZeroWeights });
    expect(condition.message).toBe(
      "Error: step shift: route53.weights: After binding, every weight this step sets is 0.",
    );
  });
});
