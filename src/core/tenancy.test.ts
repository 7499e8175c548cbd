import { describe, expect, it } from "vitest";
import type { FailoverPlanSpec } from "../crds/generated/failoverplans.js";
import { bindPlan } from "./plan/bind.js";
import { validatePlan } from "./plan/readiness.js";
import {
  actingAs,
  policyActingAs,
  roleStateNamespaceProblems,
  stepNamespaceProblems,
  stepsActingAs,
  TenancyReason,
} from "./tenancy.js";

const policy = { regions: ["us-east-1", "eu-west-1"], namespace: "shop" };

describe("whose identity a plan acts with", () => {
  it.each([
    { plan: "plan-sa", policy: "policy-sa", fallback: "default-sa", steps: "plan-sa", role: "policy-sa" },
    { plan: undefined, policy: "policy-sa", fallback: "default-sa", steps: "policy-sa", role: "policy-sa" },
    { plan: "plan-sa", policy: undefined, fallback: "default-sa", steps: "plan-sa", role: "plan-sa" },
    { plan: undefined, policy: undefined, fallback: "default-sa", steps: "default-sa", role: "default-sa" },
  ])("plan $plan, policy $policy, default $fallback: steps as $steps, role state as $role", (c) => {
    const tenancy = { defaultServiceAccount: c.fallback };
    const plan = c.plan ? { serviceAccountName: c.plan } : {};
    const pol = c.policy ? { serviceAccountName: c.policy } : {};
    expect(stepsActingAs("shop", plan, pol, tenancy)).toEqual({
      ok: true,
      namespace: "shop",
      serviceAccountName: c.steps,
    });
    expect(policyActingAs("shop", pol, plan, tenancy)).toEqual({
      ok: true,
      namespace: "shop",
      serviceAccountName: c.role,
    });
  });

  it("refuses when nothing names a ServiceAccount and there is no default", () => {
    const acting = actingAs("shop", [undefined, undefined], {});
    expect(acting).toMatchObject({ ok: false, reason: TenancyReason.ServiceAccountNotSet });
    expect(acting.ok ? "" : acting.message).toContain("spec.serviceAccountName");
  });

  it("acts as the controller only when a single-tenant install says so", () => {
    expect(actingAs("shop", [], { actAsController: true })).toEqual({ ok: true, namespace: "shop" });
    // A name still wins over the controller's own identity.
    expect(actingAs("shop", ["app"], { actAsController: true })).toMatchObject({ serviceAccountName: "app" });
  });
});

describe("a plan acts only in its own namespace", () => {
  const plan: { spec: FailoverPlanSpec } = { spec: { regionPolicyRef: { name: "checkout" }, steps: [] } };
  plan.spec.steps = [
    {
      name: "freeze",
      flag: { region: "{{from}}", configMapRef: { name: "f", namespace: "kube-system" }, key: "k", value: "v" },
    },
    {
      name: "drain",
      scale: { region: "{{from}}", deploymentRef: { name: "coredns", namespace: "kube-system" }, replicas: 0 },
    },
    { name: "ok", flag: { region: "{{to}}", configMapRef: { name: "f", namespace: "shop" }, key: "k", value: "v" } },
    { name: "own", flag: { region: "{{to}}", configMapRef: { name: "f" }, key: "k", value: "v" } },
  ];
  plan.spec.roleState = {
    fenced: { flags: [{ configMapRef: { name: "f", namespace: "kube-system" }, key: "k", value: "v" }] },
    active: { scale: [{ deploymentRef: { name: "d", namespace: "shop" }, replicas: 1 }] },
  };

  it("names each step field that points elsewhere, before any run", () => {
    expect(stepNamespaceProblems(plan.spec, "shop").map((p) => p.field)).toEqual([
      "steps[freeze].flag.configMapRef.namespace",
      "steps[drain].scale.deploymentRef.namespace",
    ]);
    expect(roleStateNamespaceProblems(plan.spec.roleState, "shop")).toEqual([
      {
        field: "roleState.fenced.flags[0].configMapRef.namespace",
        message: 'Namespace "kube-system" is not this plan\'s namespace "shop": a plan acts only in its own namespace.',
      },
    ]);
  });

  it("makes a bound run's plan invalid, field by field", () => {
    const errors = bindPlan(plan.spec, { from: "us-east-1", to: "eu-west-1" }, policy).problems.filter(
      (p) => p.reason === "NamespaceNotAllowed",
    );
    expect(errors.map((p) => `${p.step}.${p.field}`)).toEqual([
      "freeze.flag.configMapRef.namespace",
      "drain.scale.deploymentRef.namespace",
    ]);
    expect(errors.every((p) => p.severity === "Error")).toBe(true);
  });

  it("makes the plan not Ready, role state included", () => {
    const fields = validatePlan(plan.spec, policy)
      .filter((p) => p.reason === "NamespaceNotAllowed")
      .map((p) => p.field);
    expect(fields).toEqual([
      "roleState.fenced.flags[0].configMapRef.namespace",
      "flag.configMapRef.namespace",
      "scale.deploymentRef.namespace",
    ]);
  });

  it("is not judged without a namespace to judge against", () => {
    const { problems } = bindPlan(plan.spec, { from: "us-east-1", to: "eu-west-1" }, { regions: policy.regions });
    expect(problems.some((p) => p.reason === "NamespaceNotAllowed")).toBe(false);
  });
});
