/**
 * A drill's runs as the drill sees them: which regions it moves between, and how a run looks to the drill's progress
 * (src/core/drill/progress.ts). The runs themselves are written and named in src/core/runs.ts.
 */
import type { DrillRunView } from "../../core/drill/progress.js";
import { drillMove } from "../../core/drill/readiness.js";
import { parseTime } from "../../core/time.js";
import type { DrillSchedule } from "../../crds/generated/drillschedules.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";

/** Who a drill moves from and to: the spec's regions, else the active region and the first other region. */
export const drillRegions = (schedule: DrillSchedule, policy: RegionPolicy): { from: string; to: string } =>
  drillMove(schedule, policy);

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
