import { describe, expect, it } from "vitest";
import type { DrillSchedule } from "../../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { drillMove, drillReadiness, readyEvent } from "./readiness.js";

const policy = (regions = ["us-east-1", "eu-west-1"], active?: string): RegionPolicy => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "RegionPolicy",
  metadata: { name: "checkout", namespace: "shop" },
  spec: {
    regions: regions.map((name, i) => ({ name, role: i === 0 ? "primary" : "secondary" })),
    signals: [{ name: "api", region: "eu-west-1", http: { url: "https://api.eu.example/healthz" } }],
    automation: { mode: "Automatic", failoverPlanRef: { name: "checkout" } },
  },
  ...(active ? { status: { activeRegion: active } } : {}),
});

const plan = (steps: FailoverPlan["spec"]["steps"] = [flagStep("{{to}}")]): FailoverPlan => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverPlan",
  metadata: { name: "checkout", namespace: "shop" },
  spec: { regionPolicyRef: { name: "checkout" }, steps },
});

function flagStep(region: string): FailoverPlan["spec"]["steps"][number] {
  return {
    name: "unfreeze",
    flag: { region, configMapRef: { name: "app-flags" }, key: "read_only", value: "false" },
  };
}

const schedule = (spec: Partial<DrillSchedule["spec"]> = {}): Pick<DrillSchedule, "spec"> => ({
  spec: { schedule: "0 10 * * 2", planRef: { name: "checkout" }, ...spec },
});

describe("drillReadiness", () => {
  it("is True, naming the move, when the schedule can run", () => {
    expect(drillReadiness({ schedule: schedule(), plan: plan(), policy: policy(), namespace: "shop" })).toEqual({
      status: "True",
      reason: "Scheduling",
      message: "Drills of FailoverPlan checkout from us-east-1 to eu-west-1",
    });
  });

  it.each<{ name: string; input: Parameters<typeof drillReadiness>[0]; reason: string; message: string }>([
    {
      name: "a spec the scheduler cannot parse",
      input: {
        schedule: schedule(),
        specProblem: 'spec.timeZone "Mars/Base" is not an IANA time zone',
        namespace: "shop",
      },
      reason: "InvalidSpec",
      message: 'spec.timeZone "Mars/Base" is not an IANA time zone',
    },
    {
      name: "no such plan",
      input: { schedule: schedule({ planRef: { name: "chekout" } }), namespace: "shop" },
      reason: "PlanNotFound",
      message: "spec.planRef.name: FailoverPlan chekout does not exist",
    },
    {
      name: "the plan's policy is gone",
      input: { schedule: schedule(), plan: plan(), namespace: "shop" },
      reason: "PolicyNotFound",
      message: "FailoverPlan checkout's spec.regionPolicyRef.name: RegionPolicy checkout does not exist",
    },
    {
      name: "a from region the policy does not have",
      input: { schedule: schedule({ from: "ap-south-9" }), plan: plan(), policy: policy(), namespace: "shop" },
      reason: "UnknownRegion",
      message: "spec.from: ap-south-9 is not a region (regions of RegionPolicy checkout: us-east-1, eu-west-1)",
    },
    {
      name: "a target region the policy does not have",
      input: { schedule: schedule({ to: "eu-west-9" }), plan: plan(), policy: policy(), namespace: "shop" },
      reason: "UnknownRegion",
      message: "spec.to: eu-west-9 is not a region (regions of RegionPolicy checkout: us-east-1, eu-west-1)",
    },
    {
      name: "a target that is the active region",
      input: {
        schedule: schedule({ to: "eu-west-1" }),
        plan: plan(),
        policy: policy(undefined, "eu-west-1"),
        namespace: "shop",
      },
      reason: "NoMove",
      message: "spec.to: the drill would move from eu-west-1 to itself",
    },
    {
      name: "a policy with one region",
      input: { schedule: schedule(), plan: plan(), policy: policy(["us-east-1"]), namespace: "shop" },
      reason: "NoMove",
      message: "spec.from: no region to drill to (regions of RegionPolicy checkout: us-east-1)",
    },
    {
      name: "a plan that cannot make the drill's move",
      input: { schedule: schedule(), plan: plan([flagStep("ap-south-9")]), policy: policy(), namespace: "shop" },
      reason: "PlanInvalid",
      message: "FailoverPlan checkout cannot move us-east-1 → eu-west-1: UnknownRegion: step unfreeze: flag.region:",
    },
  ])("is False for $name, naming the field", ({ input, reason, message }) => {
    const readiness = drillReadiness(input);
    expect(readiness.status).toBe("False");
    expect(readiness.reason).toBe(reason);
    expect(readiness.message.startsWith(message)).toBe(true);
  });

  it("binds the plan to the move the drill would make, not to every move", () => {
    // Valid for us-east-1 → eu-west-1 only: a signal waited for in {{to}} exists in eu-west-1 alone.
    const waits = plan([{ name: "wait", waitFor: { signal: "api", region: "{{to}}" } }]);
    const ready = (spec: Partial<DrillSchedule["spec"]>, active?: string) =>
      drillReadiness({ schedule: schedule(spec), plan: waits, policy: policy(undefined, active), namespace: "shop" });
    expect(ready({}).status).toBe("True");
    expect(ready({ from: "eu-west-1", to: "us-east-1" })).toMatchObject({ status: "False", reason: "PlanInvalid" });
  });
});

describe("drillReadiness while a drill is under way", () => {
  it("does not doubt the move the drill itself made (a Switchover to spec.to makes it active until the failback)", () => {
    const during = { schedule: schedule({ to: "eu-west-1" }), plan: plan(), policy: policy(undefined, "eu-west-1") };
    expect(drillReadiness({ ...during, namespace: "shop" })).toMatchObject({ status: "False", reason: "NoMove" });
    expect(drillReadiness({ ...during, namespace: "shop", drillInProgress: "weekly-1" })).toEqual({
      status: "True",
      reason: "Scheduling",
      message: "Drills of FailoverPlan checkout; drill weekly-1 in progress",
    });
  });

  it("still says when spec names a region the policy does not have", () => {
    expect(
      drillReadiness({
        schedule: schedule({ to: "eu-west-9" }),
        plan: plan(),
        policy: policy(),
        namespace: "shop",
        drillInProgress: "weekly-1",
      }),
    ).toMatchObject({ status: "False", reason: "UnknownRegion" });
  });
});

describe("drillMove", () => {
  it("defaults from to the active region and to to the first other region", () => {
    expect(drillMove(schedule(), policy(["a", "b", "c"], "b"))).toEqual({ from: "b", to: "a" });
    expect(drillMove(schedule({ to: "c" }), policy(["a", "b", "c"]))).toEqual({ from: "a", to: "c" });
  });
});

describe("readyEvent", () => {
  const broken = { status: "False" as const, reason: "UnknownRegion", message: "spec.to: eu-west-9 is not a region" };
  const ok = { status: "True" as const, reason: "Scheduling", message: "Drills of FailoverPlan checkout" };

  it("warns when Ready turns False, including on the first reconcile", () => {
    expect(readyEvent(undefined, broken)).toEqual({ type: "Warning", reason: broken.reason, message: broken.message });
    expect(readyEvent(ok, broken)).toEqual({ type: "Warning", reason: broken.reason, message: broken.message });
  });

  it("warns again when the reason changes while False", () => {
    expect(readyEvent(broken, { ...broken, reason: "PlanNotFound" })).toMatchObject({
      type: "Warning",
      reason: "PlanNotFound",
    });
  });

  it("says Normal Ready when it recovers, and nothing when nothing changed or a new schedule is ready", () => {
    expect(readyEvent(broken, ok)).toEqual({ type: "Normal", reason: "Ready", message: ok.message });
    expect(readyEvent(ok, { ...ok, message: "another message" })).toBeUndefined();
    expect(readyEvent(broken, { ...broken, message: "spec.to: eu-west-8 is not a region" })).toBeUndefined();
    expect(readyEvent(undefined, ok)).toBeUndefined();
  });
});
