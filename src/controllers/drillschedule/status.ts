/**
 * DrillSchedule status, computed in memory and written once per reconcile: the newest history and skipped entries
 * first and bounded, conditions that move their transition time only on a real change.
 */
import { setCondition, type Condition } from "../../core/conditions.js";
import { toRfc3339 } from "../../core/time.js";
import type {
  DrillScheduleStatus,
  DrillScheduleStatusHistory,
  DrillScheduleStatusSkipped,
} from "../../crds/generated/drillschedules.js";

/** The CRD's bound on status.skipped. */
const maxSkipped = 100;

export class StatusDraft {
  readonly status: DrillScheduleStatus;

  constructor(
    previous: DrillScheduleStatus | undefined,
    private readonly generation: number,
    private readonly now: number,
  ) {
    this.status = { ...previous, observedGeneration: generation };
  }

  condition(type: string, status: Condition["status"], reason: string, message: string): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      { type, status, reason, message, observedGeneration: this.generation },
      this.now,
    );
  }

  skipped(entry: DrillScheduleStatusSkipped): void {
    this.status.skipped = [entry, ...(this.status.skipped ?? [])].slice(0, maxSkipped);
    this.status.lastResult = "Skipped";
  }

  finished(entry: DrillScheduleStatusHistory, historyLimit: number): void {
    const rest = (this.status.history ?? []).filter((h) => h.runName !== entry.runName);
    this.status.history = [entry, ...rest].slice(0, historyLimit);
    if (entry.result) this.status.lastResult = entry.result;
    delete this.status.activeRun;
  }

  times(lastScheduleTime: number | undefined, nextScheduleTime: number | undefined): void {
    if (lastScheduleTime !== undefined) this.status.lastScheduleTime = toRfc3339(lastScheduleTime);
    if (nextScheduleTime !== undefined) this.status.nextScheduleTime = toRfc3339(nextScheduleTime);
    else delete this.status.nextScheduleTime;
  }
}
