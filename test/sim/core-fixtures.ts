/**
 * What both simulation adapters build alike from the core: the RegionPolicy spec a simulated policy stands for, the
 * fencing record parsed (cached), and the bound plan steps the levers' guards judge.
 */
import { parseFencingValue, type FencingRecord } from "../../src/core/plan/fencing.js";
import type { AuroraGlobalStep, Route53Step } from "../../src/core/plan/steps.js";
import type { RegionPolicy, RegionPolicySpec } from "../../src/crds/generated/regionpolicies.js";
import type { RunView, SimPolicy } from "./logic.js";

/** The RegionPolicy spec a simulated policy stands for: an http signal per region, and a Route53 check if asked. */
export function specFor(policy: SimPolicy): RegionPolicySpec {
  return {
    regions: policy.regions.map((r) => ({ name: r.name, role: r.role })),
    signals: policy.regions.flatMap((r) => [
      { name: "http", region: r.name, intervalSeconds: policy.intervalSeconds, http: { url: `https://${r.name}/` } },
      ...(policy.route53Signals
        ? [{ name: "route53", region: r.name, route53HealthCheck: { healthCheckId: `hc-${r.name}` } }]
        : []),
    ]),
    regionUnhealthyWhen: { failingSignals: 1, ...(policy.quorum !== undefined ? { quorum: policy.quorum } : {}) },
    dampening: {
      failureThreshold: policy.failureThreshold,
      successThreshold: policy.successThreshold,
      holdDownSeconds: policy.holdDownSeconds,
      flapPenalty: { ...policy.flapPenalty },
    },
    automation: { mode: "Automatic", failback: policy.failback, failoverPlanRef: { name: "plan" } },
    fencing: { route53: { hostedZoneId: "Z1", recordName: "_switchyard.example.com" } },
  };
}

/** A scenario writes a handful of distinct values and reads them thousands of times. */
const parsedValues = new Map<string, FencingRecord | undefined>();

export function parseRecord(value: string | undefined): FencingRecord | undefined {
  if (value === undefined) return undefined;
  if (parsedValues.has(value)) return parsedValues.get(value);
  if (parsedValues.size > 10_000) parsedValues.clear();
  const parsed = parseFencingValue(value);
  const record = parsed.ok ? parsed.record : undefined;
  parsedValues.set(value, record);
  return record;
}

export function route53Step(run: RunView): Route53Step {
  return {
    kind: "route53",
    name: "shift-traffic",
    bestEffort: false,
    timeoutSeconds: 300,
    retries: { limit: 0, backoffSeconds: 1 },
    onRollback: "Restore",
    route53: {
      hostedZoneId: "Z1",
      recordName: "app.example.com",
      type: "CNAME",
      setIdentifiers: { [run.from]: run.from, [run.to]: run.to },
      weights: { [run.to]: 100, [run.from]: 0 },
    },
  };
}

export function auroraStep(run: RunView, policy: SimPolicy): AuroraGlobalStep {
  return {
    kind: "auroraGlobal",
    name: "promote-db",
    bestEffort: false,
    timeoutSeconds: 900,
    retries: { limit: 0, backoffSeconds: 1 },
    onRollback: "None",
    auroraGlobal: {
      globalClusterIdentifier: "global",
      members: Object.fromEntries(policy.regions.map((r) => [r.name, `arn:${r.name}`])),
      mode: "Auto",
      dataLossGate: "Enforce",
      target: run.to,
      source: run.from,
    },
  };
}

/** Every run the simulation's controllers create is automatic; a person's run would be "Manual" and "manual". */
export const automatic = { trigger: "Automatic" } as const;

export function policyObject(spec: RegionPolicySpec): RegionPolicy {
  return { apiVersion: "switchyard.dev/v1alpha1", kind: "RegionPolicy", metadata: { name: "p", generation: 1 }, spec };
}

/** The steps after the swap act only under the epoch the run won, while the fresh record still holds it. */
