/**
 * The run report: what one FailoverRun did, measured against what its RegionPolicy promised. A plain JSON value
 * (no undefined fields, no Dates) so that the JSON form round-trips exactly and the Markdown form is a rendering of
 * the same data, never a second source of truth.
 */
import type { FailoverRunStatus, FailoverRunStatusJournal } from "../../crds/generated/failoverruns.js";

export type Verdict = "Pass" | "Fail" | "Pending";

/** How a measurement compares with its objective; NoObjective and NotMeasured are not failures on their own. */
export type ObjectiveResult = "Pass" | "Fail" | "NoObjective" | "NotMeasured";

export interface ObjectiveCheck {
  /** The policy's objective (spec.objectives.rtoSeconds / rpoSeconds). */
  objectiveSeconds?: number;
  /** The run's measurement (status.rto.seconds / status.rpo.seconds). */
  measuredSeconds?: number;
  result: ObjectiveResult;
}

export interface ReportStep {
  name: string;
  kind?: NonNullable<FailoverRunStatusJournal["kind"]>;
  /** The journal's state; Pending for a plan step the journal has not reached. */
  state: NonNullable<FailoverRunStatusJournal["state"]>;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  attempts: number;
  message?: string;
}

export const AnomalyKind = {
  /** A step needed more than one attempt. */
  Retried: "Retried",
  /** A step was skipped for a reason other than a dry run (an unreachable region, a bestEffort failure). */
  Skipped: "Skipped",
  /** An invariant guard or the fencing compare-and-swap refused a step: it was never retried. */
  Refused: "Refused",
  /** A step failed. */
  StepFailed: "StepFailed",
  /** A step was undone by a rollback. */
  RolledBack: "RolledBack",
  /** A rollback could not restore a step. */
  RollbackFailed: "RollbackFailed",
  /** A finished run that promoted a database, or whose policy declares an RPO objective, has no RPO measurement. */
  MissingRpoEvidence: "MissingRpoEvidence",
  /** A measurement exceeded the policy's objective. */
  ObjectiveMissed: "ObjectiveMissed",
  /** The run was cancelled (spec.cancel). */
  Cancelled: "Cancelled",
} as const;
export type AnomalyKind = (typeof AnomalyKind)[keyof typeof AnomalyKind];

export interface Anomaly {
  kind: AnomalyKind;
  /** The step it concerns, when it concerns one. */
  step?: string;
  message: string;
}

export interface RunReport {
  run: {
    name: string;
    namespace?: string;
    plan: string;
    policy?: string;
    trigger: "Automatic" | "Manual" | "Drill";
    from: string;
    to: string;
    dryRun: boolean;
    reason?: string;
    createdAt?: string;
  };
  phase: NonNullable<FailoverRunStatus["phase"]>;
  /** Whether the phase is final (Succeeded, Failed, RolledBack, Cancelled). */
  finished: boolean;
  /** The run's Complete condition: why it ended. */
  outcome?: { reason: string; message: string };
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  epoch?: number;
  timeline: ReportStep[];
  rto?: { seconds?: number; breachAt?: string; trafficShiftedAt?: string; writerPromotedAt?: string };
  rpo?: { seconds?: number; source?: string };
  objectives: { rto: ObjectiveCheck; rpo: ObjectiveCheck };
  anomalies: Anomaly[];
  /** Pass: succeeded and no objective missed; Fail: ended otherwise or missed one; Pending: not finished. */
  verdict: Verdict;
}
