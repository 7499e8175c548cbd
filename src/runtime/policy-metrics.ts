/** The RegionPolicy controller's observations, as Prometheus metrics. */
import type { PolicyObserver } from "../controllers/regionpolicy/ports.js";
import type { Metrics } from "./metrics.js";

const healthStates = ["Healthy", "Unhealthy", "Unknown"] as const;

export function policyMetrics(metrics: Metrics): PolicyObserver {
  return {
    evaluated(namespace, policy, evaluation) {
      for (const region of evaluation.regions) {
        for (const state of healthStates) {
          metrics.regionHealth.set({ namespace, policy, region: region.name, state }, region.health === state ? 1 : 0);
        }
        metrics.flapPenalty.set({ namespace, policy, region: region.name }, region.penalty);
      }
    },
    decided(namespace, policy, decision) {
      if (decision.kind !== "Stay") metrics.decisions.inc({ namespace, policy, decision: decision.kind });
      if (decision.kind === "Suppressed")
        metrics.suppressedTransitions.inc({ namespace, policy, reason: decision.reason });
    },
    sampled(namespace, policy, region, signal, ok) {
      metrics.signalResults.inc({ namespace, policy, region, signal, result: ok ? "pass" : "fail" });
    },
    fenceReadFailed(namespace, policy) {
      metrics.fencingReadErrors.inc({ namespace, policy });
    },
  };
}
