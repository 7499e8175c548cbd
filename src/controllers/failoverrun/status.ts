/**
 * FailoverRun status, pure: computed in memory from the run and its journal, so the reconcile writes each change once.
 */
import { toRfc3339Millis } from "../../core/time.js";
import { setCondition } from "../../core/conditions.js";
import { firstStartedAt, type JournalEntry } from "../../core/plan/journal.js";
import { phaseOf } from "../../core/plan/phase.js";
import { measuredRpo, measuredRto } from "../../core/report/measured.js";
import { isFinalPhase } from "../../core/runs.js";
import { pausedAnnotation } from "../../crds/definitions.js";
import type { FailoverRun, FailoverRunStatus } from "../../crds/generated/failoverruns.js";

/** The run as it stands between steps: phase and current step derived from the journal, never final. */
export function statusWith(
  run: FailoverRun,
  journal: JournalEntry[],
  input: Parameters<typeof phaseOf>[0],
  now: number,
  epoch: number | undefined,
): FailoverRunStatus {
  const view = phaseOf({ ...input, journal, now });
  const started = firstStartedAt(journal);
  const status: FailoverRunStatus = {
    ...run.status,
    observedGeneration: run.metadata.generation ?? 0,
    // The final phase is written by finalStatus, together with everything a reader of a finished run expects.
    phase: isFinalPhase(view.phase) ? "Running" : view.phase,
    journal,
  };
  if (view.currentStep) status.currentStep = view.currentStep;
  else delete status.currentStep;
  if (started !== undefined && !status.startedAt) status.startedAt = toRfc3339Millis(started);
  if (epoch !== undefined) status.epoch = epoch;
  return status;
}

/** The end of a run, written once: the final phase, finishedAt, the Complete condition and the measured RTO/RPO. */
export function finalStatus(
  run: FailoverRun,
  phase: NonNullable<FailoverRunStatus["phase"]>,
  reason: string,
  message: string,
  now: number,
): FailoverRunStatus {
  const status: FailoverRunStatus = {
    ...run.status,
    phase,
    finishedAt: toRfc3339Millis(now),
    observedGeneration: run.metadata.generation ?? 0,
  };
  delete status.currentStep;
  status.conditions = setCondition(
    status.conditions ?? [],
    {
      type: "Complete",
      status: phase === "Succeeded" ? "True" : "False",
      reason,
      message,
      observedGeneration: run.metadata.generation ?? 0,
    },
    now,
  );
  const rto = measuredRto(status);
  if (rto) status.rto = rto;
  const rpo = measuredRpo(status);
  if (rpo) status.rpo = rpo;
  return status;
}

/** The status to write when the Paused condition must change (held now, or released), else undefined. */
export function pausedCondition(run: FailoverRun, held: boolean, now: number): FailoverRunStatus | undefined {
  const wasHeld = run.status?.conditions?.some((c) => c.type === "Paused" && c.status === "True") ?? false;
  if (held === wasHeld) return undefined;
  const conditions = setCondition(
    run.status?.conditions ?? [],
    {
      type: "Paused",
      status: held ? "True" : "False",
      reason: held ? "PolicyPaused" : "Resumed",
      message: held
        ? `The RegionPolicy carries ${pausedAnnotation}: "true"; no step starts until it is removed.`
        : "Automation was resumed.",
      observedGeneration: run.metadata.generation ?? 0,
    },
    now,
  );
  return { ...run.status, conditions };
}
