import { describe, expect, it } from "vitest";
import type { FailoverPlan, FailoverPlanStatus } from "../crds/generated/failoverplans.js";
import { allReady, checkJson, checkPolicy, problemLine, renderCheck } from "./check-summary.js";
import { plan, policy } from "./testing.js";

const NOW = Date.parse("2025-01-01T12:00:00Z");
const evaluated = "2025-01-01T11:58:00Z";

const recordMissing = {
  step: "shift-traffic",
  field: "route53.setIdentifiers",
  reason: "RecordSetNotFound",
  message: "No CNAME api with set identifier euw1 in zone Z1.",
  severity: "Error" as const,
};
const keyMissing = {
  step: "unfreeze",
  field: "flag.key",
  reason: "FlagKeyMissing",
  message: "ConfigMap shop/app-flags has no key read_only yet.",
  severity: "Warning" as const,
};

function evaluatedPlan(status: FailoverPlanStatus, generation = 3): FailoverPlan {
  const p = plan();
  return { ...p, metadata: { ...p.metadata, generation }, status };
}

const readyCondition = (status: "True" | "False", reason: string, message = "") => ({
  type: "Ready",
  status,
  reason,
  message,
  lastTransitionTime: evaluated,
});

const allGood: FailoverPlanStatus = {
  observedGeneration: 3,
  lastEvaluationTime: evaluated,
  moves: [
    { from: "us-east-1", to: "eu-west-1", ready: true, problems: [keyMissing] },
    { from: "eu-west-1", to: "us-east-1", ready: true },
  ],
  conditions: [readyCondition("True", "AllMovesReady", "Every move can be made.")],
};

const oneBroken: FailoverPlanStatus = {
  ...allGood,
  moves: [
    { from: "us-east-1", to: "eu-west-1", ready: false, problems: [recordMissing, keyMissing] },
    { from: "eu-west-1", to: "us-east-1", ready: true },
  ],
  conditions: [readyCondition("False", "RecordSetNotFound", "us-east-1 → eu-west-1: step shift-traffic: …")],
};

describe("checkPolicy", () => {
  it("is ready when the evaluation is of the current generation and every move is ready (warnings allowed)", () => {
    const check = checkPolicy({ policy: policy(), plan: evaluatedPlan(allGood) });
    expect(check).toMatchObject({ ready: true, evaluation: "current", plan: "checkout", observedGeneration: 3 });
    expect(check.moves.map((m) => [m.from, m.to, m.ready])).toEqual([
      ["us-east-1", "eu-west-1", true],
      ["eu-west-1", "us-east-1", true],
    ]);
  });

  it("is not ready when one move is not", () => {
    const check = checkPolicy({ policy: policy(), plan: evaluatedPlan(oneBroken) });
    expect(check.ready).toBe(false);
    expect(check.moves[0]?.problems).toEqual([recordMissing, keyMissing]);
    expect(check.planReady).toMatchObject({ status: "False", reason: "RecordSetNotFound" });
  });

  it.each<{ name: string; status: FailoverPlanStatus; generation: number; evaluation: string }>([
    { name: "a plan the controller has not evaluated", status: {}, generation: 1, evaluation: "not yet evaluated" },
    { name: "an evaluation of an older generation", status: allGood, generation: 4, evaluation: "stale" },
  ])("is not ready for $name, even if the moves it lists were ready", ({ status, generation, evaluation }) => {
    const check = checkPolicy({ policy: policy(), plan: evaluatedPlan(status, generation) });
    expect(check).toMatchObject({ ready: false, evaluation });
  });

  it("counts a move of the policy's regions that the evaluation does not list as unknown, not ready", () => {
    const partial = { ...allGood, moves: allGood.moves!.slice(0, 1) };
    const check = checkPolicy({ policy: policy(), plan: evaluatedPlan(partial) });
    expect(check.ready).toBe(false);
    expect(check.moves[1]).toEqual({ from: "eu-west-1", to: "us-east-1", problems: [] });
  });

  it.each<{ name: string; plan?: FailoverPlan; problem: string }>([
    { name: "no plan", problem: "FailoverPlan shop/checkout (RegionPolicy shop/checkout) not found" },
    {
      name: "a plan of another policy",
      plan: plan("checkout", "billing"),
      problem: "FailoverPlan checkout belongs to RegionPolicy billing, not checkout",
    },
  ])("says why when there is $name", ({ plan: p, problem }) => {
    expect(checkPolicy({ policy: policy(), ...(p ? { plan: p } : {}) })).toMatchObject({
      ready: false,
      evaluation: "no plan",
      problem,
      moves: [],
    });
  });
});

describe("renderCheck", () => {
  const policyNotReady = policy({
    status: {
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "PlanNotReady",
          message: "FailoverPlan checkout cannot make the next automatic move us-east-1 → eu-west-1",
          lastTransitionTime: evaluated,
        },
      ],
    },
  });

  it("prints each move, and under it every problem with its step, field, reason and message, warnings marked", () => {
    const text = renderCheck(checkPolicy({ policy: policyNotReady, plan: evaluatedPlan(oneBroken) }), NOW);
    expect(text).toBe(
      [
        "RegionPolicy shop/checkout: NOT READY",
        "Plan:          FailoverPlan checkout, Ready False (RecordSetNotFound): us-east-1 → eu-west-1: step shift-traffic: …",
        "Evaluated:     2025-01-01T11:58:00Z (2m ago), generation 3 (current)",
        "Policy Ready:  False (PlanNotReady): FailoverPlan checkout cannot make the next automatic move us-east-1 → eu-west-1",
        "",
        "  MOVE                   READY  ERRORS  WARNINGS",
        "  us-east-1 → eu-west-1  NO     1       1",
        "      error   step shift-traffic, route53.setIdentifiers: RecordSetNotFound: No CNAME api with set identifier euw1 in zone Z1.",
        "      warning step unfreeze, flag.key: FlagKeyMissing: ConfigMap shop/app-flags has no key read_only yet.",
        "  eu-west-1 → us-east-1  yes    0       0",
      ].join("\n"),
    );
  });

  it("says READY, and still lists the warnings of ready moves", () => {
    const text = renderCheck(checkPolicy({ policy: policy(), plan: evaluatedPlan(allGood) }), NOW);
    expect(text.split("\n")[0]).toBe("RegionPolicy shop/checkout: READY");
    expect(text).toContain("  us-east-1 → eu-west-1  yes    0       1\n      warning step unfreeze, flag.key:");
  });

  it("says plainly when the evaluation is stale or missing", () => {
    const stale = renderCheck(checkPolicy({ policy: policy(), plan: evaluatedPlan(allGood, 4) }), NOW);
    expect(stale).toContain(
      "Evaluated:     STALE: 2025-01-01T11:58:00Z (2m ago) evaluated generation 3, the plan is at generation 4;",
    );
    const never = renderCheck(checkPolicy({ policy: policy(), plan: evaluatedPlan({}, 1) }), NOW);
    expect(never).toContain("Evaluated:     not yet evaluated:");
    expect(never).toContain("  us-east-1 → eu-west-1  unknown  not evaluated");
  });

  it("indents a condition message of several lines under its label", () => {
    const multi = evaluatedPlan({
      ...oneBroken,
      conditions: [
        readyCondition("False", "RecordSetNotFound", "1 of 2 move(s) cannot be made.\nus-east-1 → eu-west-1: …"),
      ],
    });
    expect(renderCheck(checkPolicy({ policy: policy(), plan: multi }), NOW)).toContain(
      [
        "Plan:          FailoverPlan checkout, Ready False (RecordSetNotFound): 1 of 2 move(s) cannot be made.",
        "               us-east-1 → eu-west-1: …",
        "Evaluated:     ",
      ].join("\n"),
    );
  });

  it("names the missing plan instead of listing moves", () => {
    expect(renderCheck(checkPolicy({ policy: policy() }), NOW)).toBe(
      [
        "RegionPolicy shop/checkout: NOT READY",
        "Plan:          FailoverPlan shop/checkout (RegionPolicy shop/checkout) not found",
        "Policy Ready:  unknown (no condition)",
      ].join("\n"),
    );
  });
});

describe("the verdict", () => {
  const ready = checkPolicy({ policy: policy(), plan: evaluatedPlan(allGood) });
  const notReady = checkPolicy({ policy: policy(), plan: evaluatedPlan(oneBroken) });

  it("is ready only when every policy is, and never for no policy at all", () => {
    expect(allReady([ready, ready])).toBe(true);
    expect(allReady([ready, notReady])).toBe(false);
    expect(allReady([])).toBe(false);
  });

  it("is in the JSON with each policy's finding", () => {
    const json = JSON.parse(checkJson([ready, notReady])) as { ready: boolean; policies: { ready: boolean }[] };
    expect(json.ready).toBe(false);
    expect(json.policies.map((p) => p.ready)).toEqual([true, false]);
  });

  it("marks a plan-level problem as the plan's", () => {
    expect(
      problemLine({
        field: "regionPolicyRef",
        reason: "PolicyNotFound",
        message: "No such policy.",
        severity: "Error",
      }),
    ).toBe("error   plan, regionPolicyRef: PolicyNotFound: No such policy.");
  });
});
