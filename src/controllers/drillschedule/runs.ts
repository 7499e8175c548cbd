/**
 * The FailoverRuns a DrillSchedule creates — the drill and its failback — and how a run looks to the drill's progress
 * (src/core/drill/progress.ts). Names are deterministic (src/core/drill/run-names.ts), so a create is idempotent.
 */
import type { DrillRunView } from "../../core/drill/progress.js";
import { failbackRunName } from "../../core/drill/run-names.js";
import { parseTime } from "../../core/time.js";
import { apiVersion, drillScheduleLabel, policyLabel } from "../../crds/definitions.js";
import type { DrillSchedule } from "../../crds/generated/drillschedules.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";

/** Who a drill moves from and to: the spec's regions, else the active region and the first other region. */
export function drillRegions(schedule: DrillSchedule, policy: RegionPolicy): { from: string; to: string } {
  const regions = policy.spec.regions;
  const primary = regions.find((r) => r.role === "primary")?.name ?? regions[0]?.name ?? "";
  const from = schedule.spec.from ?? policy.status?.activeRegion ?? primary;
  const to = schedule.spec.to ?? regions.find((r) => r.name !== from)?.name ?? "";
  return { from, to };
}

export function runView(run: FailoverRun, now: number): DrillRunView {
  const view: DrillRunView = {
    name: run.metadata.name ?? "",
    createdAt: parseTime(run.metadata.creationTimestamp) ?? now,
    cancelRequested: run.spec.cancel === true,
  };
  if (run.status?.phase !== undefined) view.phase = run.status.phase;
  const finishedAt = parseTime(run.status?.finishedAt);
  if (finishedAt !== undefined) view.finishedAt = finishedAt;
  return view;
}

export function drillRun(args: {
  schedule: DrillSchedule;
  policy: string;
  name: string;
  from: string;
  to: string;
  reason: string;
}): FailoverRun {
  const { schedule } = args;
  const switchover = (schedule.spec.type ?? "DryRun") === "Switchover";
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      name: args.name,
      namespace: schedule.metadata.namespace,
      labels: { [policyLabel]: args.policy, [drillScheduleLabel]: schedule.metadata.name ?? "" },
    },
    spec: {
      planRef: { name: schedule.spec.planRef.name },
      from: args.from,
      to: args.to,
      trigger: "Drill",
      dryRun: !switchover,
      reason: args.reason.slice(0, 1024),
      drill: {
        scheduleRef: { name: schedule.metadata.name ?? "" },
        holdSeconds: schedule.spec.holdSeconds ?? 300,
        failback: switchover,
      },
    },
  };
}

export function failbackRun(drill: FailoverRun): FailoverRun {
  const name = drill.metadata.name ?? "";
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      name: failbackRunName(name),
      namespace: drill.metadata.namespace,
      labels: { ...drill.metadata.labels },
    },
    spec: {
      planRef: drill.spec.planRef,
      from: drill.spec.to,
      to: drill.spec.from,
      trigger: "Drill",
      dryRun: false,
      reason: `Failback of drill ${name}`,
      drill: { ...drill.spec.drill, failback: false },
    },
  };
}
