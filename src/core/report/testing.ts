/**
 * Test support for the run report (imported by the *.test.ts files beside it only): builders for a run, its journal
 * entries, a plan and a policy, in the cert-manager gen.* style — a realistic default and the mods a case is about.
 */
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus, FailoverRunStatusJournal } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicySpecObjectives } from "../../crds/generated/regionpolicies.js";
import { toRfc3339 } from "../time.js";

export const at = (second: number): string => toRfc3339(Date.UTC(2025, 0, 1, 12, 0, second));

export function entry(
  name: string,
  kind: FailoverRunStatusJournal["kind"],
  mods: Partial<FailoverRunStatusJournal> = {},
): FailoverRunStatusJournal {
  return { name, kind, state: "Succeeded", attempts: 1, startedAt: at(0), finishedAt: at(2), ...mods };
}

/** The checkout plan's journal after a clean switchover. */
export const cleanJournal = (): FailoverRunStatusJournal[] => [
  entry("freeze-writes", "flag", { startedAt: at(0), finishedAt: at(1) }),
  entry("shift-traffic", "route53", { startedAt: at(1), finishedAt: at(5) }),
  entry("promote-db", "auroraGlobal", { startedAt: at(5), finishedAt: at(20) }),
  entry("unfreeze", "flag", { startedAt: at(20), finishedAt: at(21) }),
];

export function run(status: Partial<FailoverRunStatus> = {}, spec: Partial<FailoverRun["spec"]> = {}): FailoverRun {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name: "checkout-manual-1", namespace: "shop" },
    spec: {
      planRef: { name: "checkout" },
      from: "us-east-1",
      to: "eu-west-1",
      trigger: "Manual",
      reason: "INC-42",
      ...spec,
    },
    status: {
      phase: "Succeeded",
      startedAt: at(0),
      finishedAt: at(21),
      epoch: 8,
      journal: cleanJournal(),
      rto: { seconds: 20, breachAt: at(0), trafficShiftedAt: at(5), writerPromotedAt: at(20) },
      rpo: { seconds: 0, source: "AuroraGlobalDBReplicationLag" },
      conditions: [
        {
          type: "Complete",
          status: "True",
          reason: "Completed",
          message: "Every step succeeded.",
          lastTransitionTime: at(21),
        },
      ],
      ...status,
    },
  };
}

export function plan(steps: string[]): FailoverPlan {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name: "checkout", namespace: "shop" },
    spec: {
      regionPolicyRef: { name: "checkout" },
      steps: steps.map((name) => ({ name, approval: { message: "ok?" } })),
    },
  };
}

export function policy(objectives?: RegionPolicySpecObjectives): RegionPolicy {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace: "shop" },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: "eu-west-1", role: "secondary" },
      ],
      signals: [],
      automation: { mode: "Manual", failoverPlanRef: { name: "checkout" } },
      ...(objectives === undefined ? {} : { objectives }),
    },
  };
}
