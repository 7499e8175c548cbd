/** The end-of-run check of the controller's AWS calls against the shipped policy (test/env/iam-check.ts). */
import { describe, expect, it } from "vitest";
import { shippedPolicy } from "../../src/core/iam/policy.js";
import { describeUngranted, iamReport } from "../env/iam-check.js";

describe("iamReport", () => {
  it("passes calls the shipped policy grants, and lists what this run did not call", () => {
    const report = iamReport(shippedPolicy(), [
      "route53:GetChange",
      "route53:ChangeResourceRecordSets",
      "route53:GetChange",
    ]);
    expect(report.called).toEqual(["route53:ChangeResourceRecordSets", "route53:GetChange"]);
    expect(report.ungranted).toEqual([]);
    expect(report.notCalled).toContain("rds:FailoverGlobalCluster");
    expect(report.notCalled).not.toContain("route53:GetChange");
  });

  it("fails a call the policy does not grant, naming it", () => {
    const policy = shippedPolicy();
    policy.Statement = policy.Statement.filter((s) => !s.Action.includes("rds:FailoverGlobalCluster"));
    const report = iamReport(policy, [
      "rds:FailoverGlobalCluster",
      "route53:GetChange",
      "sts:AssumeRole",
      "sts:GetCallerIdentity", // allowed to every principal: never a finding
    ]);
    expect(report.ungranted).toEqual(["rds:FailoverGlobalCluster", "sts:AssumeRole"]);
    expect(describeUngranted(report)).toMatch(
      /^the controller called AWS actions that deploy\/iam\/switchyard-controller.json \(with the optional peer roles policy\) does not grant: rds:FailoverGlobalCluster, sts:AssumeRole\./,
    );
  });
});
