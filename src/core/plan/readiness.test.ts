import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FailoverPlanSpec } from "../../crds/generated/failoverplans.js";
import {
  automaticMove,
  automaticMoveProblem,
  drillAgeProblem,
  moveStatus,
  movesOf,
  planReadyCondition,
  podQuotaShortfall,
  shortMessage,
  validatePlan,
} from "./readiness.js";
import { ProblemReason, ReadinessReason } from "./reasons.js";
import type { Problem } from "./validate.js";

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

describe("movesOf and automaticMove", () => {
  it("every ordered pair once, in spec order", () => {
    expect(movesOf(regions).map((m) => `${m.from}>${m.to}`)).toEqual([
      "us-east-1>eu-west-1",
      "us-east-1>ap-south-1",
      "eu-west-1>us-east-1",
      "eu-west-1>ap-south-1",
      "ap-south-1>us-east-1",
      "ap-south-1>eu-west-1",
    ]);
  });

  const roles = [{ name: "us-east-1", role: "primary" }, { name: "eu-west-1" }, { name: "ap-south-1" }];

  it("from the primary: to the first other region; from elsewhere: back to the primary", () => {
    expect(automaticMove(roles, "us-east-1")).toEqual({ from: "us-east-1", to: "eu-west-1" });
    expect(automaticMove(roles, "ap-south-1")).toEqual({ from: "ap-south-1", to: "us-east-1" });
  });

  it("no move from an active region the policy does not have, or an unknown one", () => {
    expect(automaticMove(roles, "eu-central-1")).toBeUndefined();
    expect(automaticMove(roles, undefined)).toBeUndefined();
  });
});

const problem = (over: Partial<Problem> = {}): Problem => ({
  step: "shift",
  field: "route53.setIdentifiers",
  reason: ReadinessReason.RecordSetNotFound,
  message: "No weighted record api.example.com. A with set identifier use1 in zone Z.",
  severity: "Error",
  ...over,
});

describe("moveStatus", () => {
  const move = { from: "us-east-1", to: "eu-west-1" };

  it("a move with only warnings is ready, and lists them", () => {
    const warning = problem({ severity: "Warning", reason: ReadinessReason.FlagKeyMissing });
    expect(moveStatus(move, [warning])).toMatchObject({ ready: true, problems: [{ severity: "Warning" }] });
    expect(moveStatus(move, [])).toEqual({ ...move, ready: true });
  });

  it("errors first, each once, within the CRD's bound of 16", () => {
    const many = Array.from({ length: 30 }, (_, i) => problem({ message: `m${i}` }));
    const entry = moveStatus(move, [problem({ severity: "Warning" }), problem(), problem(), ...many]);
    expect(entry.ready).toBe(false);
    expect(entry.problems).toHaveLength(16);
    expect(entry.problems?.[0]).toMatchObject({ severity: "Error", message: problem().message });
    expect(entry.problems?.filter((p) => p.message === problem().message && p.severity === "Error")).toHaveLength(1);
  });

  it("property: ready exactly when no error is among the problems, never more than 16 listed", () => {
    const arb = fc.array(
      fc.record({
        message: fc.constantFrom("a", "b", "c", "d"),
        severity: fc.constantFrom("Error" as const, "Warning" as const),
        step: fc.constantFrom("s1", "s2"),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, (list) => {
        const entry = moveStatus(
          move,
          list.map((p) => problem(p)),
        );
        expect(entry.ready).toBe(!list.some((p) => p.severity === "Error"));
        expect((entry.problems ?? []).length).toBeLessThanOrEqual(16);
        const errors = (entry.problems ?? []).findIndex((p) => p.severity === "Warning");
        if (errors >= 0) expect(entry.problems?.slice(errors).every((p) => p.severity === "Warning")).toBe(true);
      }),
    );
  });
});

describe("shortMessage", () => {
  it("drops the repeats nested API errors carry, and bounds the length", () => {
    const inner = 'Job.batch "x" is invalid: spec.template.spec.containers: Required value';
    expect(shortMessage(`the Job template is not valid in ns: ${inner}: ${inner}: ${inner}`)).toBe(
      'the Job template is not valid in ns: Job.batch "x" is invalid: spec.template.spec.containers: Required value',
    );
    const long = shortMessage("x".repeat(5000));
    expect(long).toHaveLength(300);
    expect(long.endsWith("…")).toBe(true);
    expect(shortMessage("two\n  lines")).toBe("two lines");
  });
});

describe("drillAgeProblem", () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  const day = 86_400_000;

  it("nothing to check without a maximum", () => {
    expect(drillAgeProblem(undefined, undefined, now)).toBeUndefined();
  });

  it("within the maximum is fine; older, or none at all, is an error", () => {
    expect(drillAgeProblem(35, now - 35 * day, now)).toBeUndefined();
    expect(drillAgeProblem(35, now - 36 * day, now)).toMatchObject({
      reason: ReadinessReason.DrillTooOld,
      severity: "Error",
      message: "The last successful drill finished 36 day(s) ago; the policy allows 35.",
    });
    expect(drillAgeProblem(35, undefined, now)?.message).toMatch(/No successful drill/);
  });
});

describe("planReadyCondition", () => {
  it("True when every move is ready, with the warnings once", () => {
    const warning = problem({ severity: "Warning", message: "w" });
    const moves = movesOf(["a", "b"]).map((m) => moveStatus(m, [warning]));
    const condition = planReadyCondition(moves, 4);
    expect(condition).toMatchObject({ status: "True", reason: ReadinessReason.AllMovesReady, observedGeneration: 4 });
    expect(condition.message).toBe("Every move (2) can be made.\nWarning: step shift: route53.setIdentifiers: w");
  });

  it("False with the first error's reason, naming each failing move", () => {
    const [ab, ba] = movesOf(["a", "b"]) as [{ from: string; to: string }, { from: string; to: string }];
    const condition = planReadyCondition([moveStatus(ab, []), moveStatus(ba, [problem()])]);
    expect(condition).toMatchObject({ status: "False", reason: ReadinessReason.RecordSetNotFound });
    expect(condition.message).toBe(
      `1 of 2 move(s) cannot be made.\nb → a: step shift: route53.setIdentifiers: ${problem().message}`,
    );
  });
});

describe("automaticMoveProblem: the policy's verdict on its plan", () => {
  const move = { from: "a", to: "b" };
  const status = (ready: boolean, observedGeneration = 2) => ({
    metadata: { name: "checkout", generation: 2 },
    status: { observedGeneration, moves: [moveStatus(move, ready ? [] : [problem()])] },
  });

  it("names the plan, the move and the first error when the next automatic move cannot be made", () => {
    expect(automaticMoveProblem(status(false), move)).toEqual({
      reason: "PlanNotReady",
      message: `FailoverPlan checkout cannot make the next automatic move (a → b): step shift: route53.setIdentifiers: ${problem().message}`,
    });
  });

  it("says nothing of a ready move, another move, or a verdict on an older generation", () => {
    expect(automaticMoveProblem(status(true), move)).toBeUndefined();
    expect(automaticMoveProblem(status(false), { from: "b", to: "a" })).toBeUndefined();
    expect(automaticMoveProblem(status(false, 1), move)).toBeUndefined();
  });
});

describe("podQuotaShortfall: the target's capacity for a scale step", () => {
  const quota = (hard: string, used: string, key = "pods") => ({
    name: "q",
    hard: { [key]: hard },
    used: { [key]: used },
  });

  it("fits within the quota, or when scaling down, or with no pod quota at all", () => {
    expect(podQuotaShortfall([quota("10", "4")], 2, 8)).toBeUndefined();
    expect(podQuotaShortfall([quota("3", "3")], 5, 2)).toBeUndefined();
    expect(podQuotaShortfall([{ name: "cpu-only", hard: { "requests.cpu": "4" } }], 0, 100)).toBeUndefined();
  });

  it("names the quota a scale-up would exceed, for either key", () => {
    expect(podQuotaShortfall([quota("10", "8")], 2, 6)).toBe(
      "4 more pod(s) needed; ResourceQuota q allows 2 more (pods: 8 of 10 used).",
    );
    expect(podQuotaShortfall([quota("5", "5", "count/pods")], 0, 1)).toMatch(/allows 0 more/);
  });
});
