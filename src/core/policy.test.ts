import { describe, expect, it } from "vitest";
import { schemaDefault } from "../crds/definitions.js";
import type { RegionPolicySpec } from "../crds/generated/regionpolicies.js";
import { policyDefaults, resolvePolicy, unprobeableSignals } from "./policy.js";

const minimal: RegionPolicySpec = {
  regions: [{ name: "use1", role: "primary" }, { name: "euw1" }],
  signals: [
    { name: "api-http", region: "use1", http: { url: "https://use1.example.com/healthz" } },
    { name: "r53", region: "use1", route53HealthCheck: { healthCheckId: "0123abcd" } },
  ],
  automation: {},
};

describe("resolvePolicy", () => {
  it("fills every default of the CRD", () => {
    expect(resolvePolicy(minimal)).toEqual({
      regions: [
        { name: "use1", role: "primary" },
        { name: "euw1", role: "secondary" },
      ],
      signals: [
        { name: "api-http", region: "use1" },
        { name: "r53", region: "use1", route53HealthCheck: { healthCheckId: "0123abcd" } },
      ],
      regionUnhealthyWhen: { failingSignals: 1, quorum: 2 },
      dampening: {
        failureThreshold: 3,
        successThreshold: 5,
        holdDownSeconds: 600,
        flapPenalty: {
          perTransition: 1000,
          halfLifeSeconds: 900,
          suppressAbove: 2000,
          reuseBelow: 750,
          maxSuppressSeconds: 3600,
        },
      },
      automation: { mode: "Manual", failback: "Manual" },
    });
  });

  it("keeps what the spec sets", () => {
    const p = resolvePolicy({
      ...minimal,
      regionUnhealthyWhen: { quorum: 3 },
      dampening: { failureThreshold: 1, flapPenalty: { reuseBelow: 0 } },
      automation: { mode: "Paused", failback: "Automatic" },
    });
    expect(p.regionUnhealthyWhen).toEqual({ failingSignals: 1, quorum: 3 });
    expect(p.dampening).toMatchObject({ failureThreshold: 1, successThreshold: 5, flapPenalty: { reuseBelow: 0 } });
    expect(p.automation).toEqual({ mode: "Paused", failback: "Automatic" });
  });

  it.each([
    { path: ["regions", "[]", "role"], value: policyDefaults.role },
    ...Object.entries(policyDefaults.regionUnhealthyWhen).map(([k, value]) => ({
      path: ["regionUnhealthyWhen", k],
      value,
    })),
    ...Object.entries(policyDefaults.dampening).map(([k, value]) => ({ path: ["dampening", k], value })),
    ...Object.entries(policyDefaults.flapPenalty).map(([k, value]) => ({
      path: ["dampening", "flapPenalty", k],
      value,
    })),
    ...Object.entries(policyDefaults.automation).map(([k, value]) => ({ path: ["automation", k], value })),
  ])("agrees with the CRD default of spec.$path", ({ path, value }) => {
    expect(schemaDefault("RegionPolicy", ["spec", ...path])).toEqual(value);
  });
});

describe("unprobeableSignals", () => {
  const spec = (secret: boolean) => ({
    regions: [
      { name: "us-east-1", role: "primary" as const },
      { name: "eu-west-1", ...(secret ? { cluster: { kubeconfigSecretRef: { name: "peer" } } } : {}) },
    ],
    signals: [
      { name: "pods", region: "us-east-1", workload: { name: "api" } },
      { name: "pods", region: "eu-west-1", workload: { name: "api" } },
      { name: "api", region: "eu-west-1", http: { url: "https://eu.example.com/healthz" } },
    ],
  });

  it("a workload signal of another region without its kubeconfig Secret, naming the field to set", () => {
    expect(unprobeableSignals(spec(false), "us-east-1")).toEqual([
      {
        name: "pods",
        region: "eu-west-1",
        message:
          "workload signal pods in eu-west-1 needs spec.regions[1].cluster.kubeconfigSecretRef to be probed from us-east-1",
      },
    ]);
  });

  it("nothing when the Secret is named, for this region's own workloads, or for http signals", () => {
    expect(unprobeableSignals(spec(true), "us-east-1")).toEqual([]);
    expect(unprobeableSignals(spec(false), "eu-west-1")).toEqual([
      expect.objectContaining({ region: "us-east-1" }) as unknown,
    ]);
  });
});
