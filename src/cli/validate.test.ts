import { describe, expect, it } from "vitest";
import { moveProblem, parseSeconds, planProblem } from "./validate.js";
import { plan, policy } from "./testing.js";

describe("moveProblem", () => {
  it.each([
    { from: "us-east-1", to: "eu-west-1", problem: undefined },
    {
      from: "us-east-1",
      to: "mars-1",
      problem: "--to mars-1: not a region of RegionPolicy shop/checkout (regions: us-east-1, eu-west-1)",
    },
    {
      from: "mars-1",
      to: "eu-west-1",
      problem: "--from mars-1: not a region of RegionPolicy shop/checkout (regions: us-east-1, eu-west-1)",
    },
    { from: "eu-west-1", to: "eu-west-1", problem: "--from and --to are both eu-west-1: nothing to move" },
  ])("$from → $to", ({ from, to, problem }) => {
    expect(moveProblem(policy(), from, to)).toBe(problem);
  });
});

describe("planProblem", () => {
  it("accepts the policy's own plan", () => {
    expect(planProblem(policy(), plan())).toBeUndefined();
  });
  it("names a plan that does not exist", () => {
    expect(planProblem(policy(), undefined)).toBe("FailoverPlan shop/checkout (RegionPolicy shop/checkout) not found");
  });
  it("names a plan that belongs to another policy", () => {
    expect(planProblem(policy(), plan("checkout", "billing"))).toBe(
      "FailoverPlan checkout belongs to RegionPolicy billing, not checkout",
    );
  });
  it("names a policy without a plan", () => {
    const p = policy();
    delete p.spec.automation.failoverPlanRef;
    expect(planProblem(p, undefined)).toBe(
      "RegionPolicy shop/checkout has no spec.automation.failoverPlanRef: no plan to run",
    );
  });
});

describe("parseSeconds", () => {
  it.each([
    ["120", 120],
    ["0.5", 0.5],
    ["0", "--timeout 0: expected a positive number of seconds"],
    ["soon", "--timeout soon: expected a positive number of seconds"],
    ["-3", "--timeout -3: expected a positive number of seconds"],
  ])("%s", (value, expected) => {
    expect(parseSeconds("--timeout", value)).toBe(expected);
  });
});
