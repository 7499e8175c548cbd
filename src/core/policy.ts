/**
 * The part of a RegionPolicy spec the evaluator reads, with every default filled in. The apiserver applies the CRD's
 * defaults on write, but objects stored before a default existed, and specs built in tests, may lack them; resolving
 * here keeps the evaluator free of `??` and keeps the defaults in one place beside the CRD's.
 */
import type { RegionPolicySpec, RegionPolicySpecSignal } from "../crds/generated/regionpolicies.js";
import type { PenaltyConfig } from "./dampening/flap-penalty.js";
import type { UnhealthyWhen } from "./health/region-health.js";
import type { Thresholds } from "./health/signal-health.js";

export interface PolicyRegion {
  name: string;
  role: "primary" | "secondary";
  /** A kubeconfig Secret names this region's cluster: its controller's published view can be read from here. */
  peer?: boolean;
}

/** A signal as the evaluator needs it: its key, and enough of its source to know who observes it. */
export type PolicySignal = Pick<RegionPolicySpecSignal, "name" | "region" | "route53HealthCheck">;

export interface Dampening extends Thresholds {
  holdDownSeconds: number;
  flapPenalty: PenaltyConfig;
}

export interface ResolvedPolicy {
  /** In spec order, which breaks ties between failover targets. */
  regions: PolicyRegion[];
  signals: PolicySignal[];
  regionUnhealthyWhen: UnhealthyWhen;
  dampening: Dampening;
  automation: {
    mode: "Automatic" | "Manual" | "Paused";
    failback: "Automatic" | "Manual";
  };
}

/** The CRD's defaults (src/crds/regionpolicies.yaml); a unit test checks the two agree. */
export const policyDefaults = {
  role: "secondary",
  regionUnhealthyWhen: { failingSignals: 1, quorum: 2 },
  dampening: { failureThreshold: 3, successThreshold: 5, holdDownSeconds: 600 },
  flapPenalty: {
    perTransition: 1000,
    halfLifeSeconds: 900,
    suppressAbove: 2000,
    reuseBelow: 750,
    maxSuppressSeconds: 3600,
  },
  automation: { mode: "Manual", failback: "Manual" },
} as const;

export function resolvePolicy(spec: RegionPolicySpec): ResolvedPolicy {
  const d = spec.dampening ?? {};
  const p = d.flapPenalty ?? {};
  const def = policyDefaults;
  return {
    regions: spec.regions.map((r) => ({
      name: r.name,
      role: r.role ?? def.role,
      ...(r.cluster?.kubeconfigSecretRef ? { peer: true } : {}),
    })),
    signals: spec.signals.map((s) => {
      const signal: PolicySignal = { name: s.name, region: s.region };
      if (s.route53HealthCheck !== undefined) signal.route53HealthCheck = s.route53HealthCheck;
      return signal;
    }),
    regionUnhealthyWhen: {
      failingSignals: spec.regionUnhealthyWhen?.failingSignals ?? def.regionUnhealthyWhen.failingSignals,
      quorum: spec.regionUnhealthyWhen?.quorum ?? def.regionUnhealthyWhen.quorum,
    },
    dampening: {
      failureThreshold: d.failureThreshold ?? def.dampening.failureThreshold,
      successThreshold: d.successThreshold ?? def.dampening.successThreshold,
      holdDownSeconds: d.holdDownSeconds ?? def.dampening.holdDownSeconds,
      flapPenalty: {
        perTransition: p.perTransition ?? def.flapPenalty.perTransition,
        halfLifeSeconds: p.halfLifeSeconds ?? def.flapPenalty.halfLifeSeconds,
        suppressAbove: p.suppressAbove ?? def.flapPenalty.suppressAbove,
        reuseBelow: p.reuseBelow ?? def.flapPenalty.reuseBelow,
        maxSuppressSeconds: p.maxSuppressSeconds ?? def.flapPenalty.maxSuppressSeconds,
      },
    },
    automation: {
      mode: spec.automation.mode ?? def.automation.mode,
      failback: spec.automation.failback ?? def.automation.failback,
    },
  };
}

/**
 * The signals this controller cannot probe: a workload signal reads its region's cluster, which for another region
 * needs that region's `cluster.kubeconfigSecretRef`. Such a signal is not probed (a sample of "cannot reach" would
 * make a healthy region look unhealthy) and the policy says so in a condition instead.
 */
export function unprobeableSignals(
  spec: Pick<RegionPolicySpec, "regions" | "signals">,
  localRegion: string,
): { name: string; region: string; message: string }[] {
  return spec.signals
    .filter((s) => s.workload !== undefined && s.region !== localRegion)
    .flatMap((s) => {
      const index = spec.regions.findIndex((r) => r.name === s.region);
      if (index < 0 || spec.regions[index]?.cluster?.kubeconfigSecretRef) return [];
      return [
        {
          name: s.name,
          region: s.region,
          message: `workload signal ${s.name} in ${s.region} needs spec.regions[${index}].cluster.kubeconfigSecretRef to be probed from ${localRegion}`,
        },
      ];
    });
}
