/**
 * One evaluation of a plan with its ports in memory (the real checks run against the local environment in
 * test/e2e/plan-readiness.test.ts): what is written, when an Event is raised, and that a bound step shared by
 * several moves is checked once.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { failoverPlan, regionPolicy } from "../../../test/fixtures/builders.js";
import { ReadinessReason } from "../../core/plan/reasons.js";
import type { BoundStep } from "../../core/plan/steps.js";
import type { Problem } from "../../core/plan/validate.js";
import type { FailoverPlan, FailoverPlanStatus } from "../../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { PlanChecks, PlanStore } from "./ports.js";
import { reconcileFailoverPlan } from "./reconcile.js";

function setup(plan: FailoverPlan, policy: RegionPolicy | undefined, stepProblems: (s: BoundStep) => Problem[]) {
  const plans = new Map([["default/checkout", plan]]);
  const store: PlanStore = {
    plan: (ns, name) => plans.get(`${ns}/${name}`),
    policy: (ns, name) => (policy && name === policy.metadata.name ? policy : undefined),
    plansOf: () => [...plans.values()],
    runsOfPlan: () => [],
    writePlanStatus: (p: FailoverPlan, status: FailoverPlanStatus) => {
      plans.set("default/checkout", { ...p, status: structuredClone(status) });
      return Promise.resolve();
    },
  };
  const checked: string[] = [];
  const checks: PlanChecks = {
    step: (step) => {
      checked.push(step.name);
      return Promise.resolve(stepProblems(step));
    },
    fencing: () => Promise.resolve([]),
  };
  const events: { type: string; reason: string }[] = [];
  const deps = {
    store,
    checks,
    events: { event: (_o: unknown, type: string, reason: string) => events.push({ type, reason }) },
    log: pino({ level: "silent" }),
    intervalMs: 300_000,
    now: () => Date.parse("2026-12-01T10:00:00Z"),
  };
  const status = () => plans.get("default/checkout")?.status;
  return { deps, status, events, checked, plans };
}

const plan = (): FailoverPlan => {
  const p = failoverPlan("checkout");
  p.metadata.generation = 3;
  p.spec.steps.push({
    name: "unfreeze",
    flag: { region: "us-east-1", configMapRef: { name: "app-flags" }, key: "k", value: "v" },
  });
  return p;
};

const missing: Problem = {
  step: "unfreeze",
  field: "flag.configMapRef",
  reason: ReadinessReason.ConfigMapNotFound,
  message: "ConfigMap default/app-flags in us-east-1 does not exist.",
  severity: "Error",
};

describe("reconcileFailoverPlan", () => {
  it("a ready plan: every move listed, Ready=True at its generation, no Event the first time, back after the interval", async () => {
    const { deps, status, events, checked } = setup(plan(), regionPolicy("checkout"), () => []);
    const result = await reconcileFailoverPlan("default/checkout", deps);
    expect(result).toEqual({ requeueAfterMs: 300_000 });
    expect(status()?.observedGeneration).toBe(3);
    expect(status()?.moves?.map((m) => [m.from, m.to, m.ready])).toEqual([
      ["us-east-1", "eu-west-1", true],
      ["eu-west-1", "us-east-1", true],
    ]);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      observedGeneration: 3,
    });
    expect(events).toEqual([]);
    // The flag step binds to the same thing for both moves: one check.
    expect(checked.filter((n) => n === "unfreeze")).toHaveLength(1);
  });

  it("a broken reference: Ready=False with its reason and a Warning Event, once; fixed: Ready again with a Normal Event", async () => {
    let broken = true;
    const { deps, status, events } = setup(plan(), regionPolicy("checkout"), (s) =>
      broken && s.name === "unfreeze" ? [missing] : [],
    );
    await reconcileFailoverPlan("default/checkout", deps);
    await reconcileFailoverPlan("default/checkout", deps);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: ReadinessReason.ConfigMapNotFound,
    });
    expect(events).toEqual([{ type: "Warning", reason: ReadinessReason.ConfigMapNotFound }]);
    broken = false;
    await reconcileFailoverPlan("default/checkout", deps);
    expect(events.at(-1)).toEqual({ type: "Normal", reason: ReadinessReason.AllMovesReady });
  });

  it("a bestEffort step's problem is a warning: the move can still be made", async () => {
    const p = plan();
    p.spec.steps[1]!.bestEffort = true;
    const { deps, status } = setup(p, regionPolicy("checkout"), (s) => (s.name === "unfreeze" ? [missing] : []));
    await reconcileFailoverPlan("default/checkout", deps);
    expect(status()?.moves?.every((m) => m.ready)).toBe(true);
    expect(status()?.moves?.[0]?.problems?.find((x) => x.reason === ReadinessReason.ConfigMapNotFound)).toMatchObject({
      severity: "Warning",
      step: "unfreeze",
    });
  });

  it("no policy: Ready=False PolicyNotFound, no moves, and nothing followed into the world", async () => {
    const { deps, status, checked } = setup(plan(), undefined, () => []);
    await reconcileFailoverPlan("default/checkout", deps);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: ReadinessReason.PolicyNotFound,
    });
    expect(status()?.moves).toBeUndefined();
    expect(checked).toEqual([]);
  });

  it("a deleted plan is left alone", async () => {
    const { deps, plans, checked } = setup(plan(), regionPolicy("checkout"), () => []);
    plans.delete("default/checkout");
    expect(await reconcileFailoverPlan("default/checkout", deps)).toEqual({});
    expect(checked).toEqual([]);
  });
});
