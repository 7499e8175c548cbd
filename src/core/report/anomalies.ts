/**
 * What deserves a reader's attention in a run: named checks over the journal and the measurements, one per kind of
 * anomaly, in the order a reader would want them (per step in journal order, then the run as a whole). A dry run skips
 * every step on purpose (reason DryRun), so that skip is not an anomaly.
 */
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import { failureOf, rollbackOf, type JournalEntry } from "../plan/journal.js";
import { RunReason } from "../plan/reasons.js";
import { AnomalyKind, type Anomaly, type ObjectiveCheck } from "./types.js";

/** The journal writes a skip's message as "<Reason>: <detail>"; the reason is the part a reader keys on. */
export function skipReason(message: string | undefined): string | undefined {
  const match = /^([A-Z][A-Za-z]*):/.exec(message ?? "");
  return match?.[1];
}

const promotionKinds = new Set(["auroraGlobal", "rdsPromoteReplica"]);

function stepAnomalies(entry: JournalEntry): Anomaly[] {
  const found: Anomaly[] = [];
  const step = entry.name;
  const detail = entry.message === undefined ? "" : `: ${entry.message}`;
  if ((entry.attempts ?? 0) > 1) {
    found.push({ kind: AnomalyKind.Retried, step, message: `${step} took ${entry.attempts} attempts` });
  }
  if (entry.state === "Skipped" && skipReason(entry.message) !== "DryRun") {
    found.push({ kind: AnomalyKind.Skipped, step, message: `${step} was skipped${detail}` });
  }
  const failure = failureOf(entry);
  if (entry.state === "Failed" && failure?.permanent === true) {
    found.push({ kind: AnomalyKind.Refused, step, message: `${step} was refused (${failure.reason})${detail}` });
  } else if (entry.state === "Failed") {
    const reason = failure === undefined ? "" : ` (${failure.reason})`;
    found.push({ kind: AnomalyKind.StepFailed, step, message: `${step} failed${reason}${detail}` });
  }
  if (entry.state === "RolledBack") {
    found.push({ kind: AnomalyKind.RolledBack, step, message: `${step} was rolled back` });
  }
  const rollbackError = rollbackOf(entry)?.error;
  if (rollbackError !== undefined) {
    found.push({ kind: AnomalyKind.RollbackFailed, step, message: `${step} could not be restored: ${rollbackError}` });
  }
  return found;
}

export interface RunFacts {
  run: FailoverRun;
  journal: readonly JournalEntry[];
  finished: boolean;
  rpoObjectiveDeclared: boolean;
  objectives: { rto: ObjectiveCheck; rpo: ObjectiveCheck };
}

function missingRpoEvidence(facts: RunFacts): Anomaly[] {
  const { run, journal, finished, rpoObjectiveDeclared } = facts;
  if (!finished || run.spec.dryRun === true || run.status?.rpo?.seconds !== undefined) return [];
  const promoted = journal.some((e) => promotionKinds.has(e.kind ?? "") && e.state === "Succeeded");
  if (!promoted && !rpoObjectiveDeclared) return [];
  const why = promoted ? "a database was promoted" : "the policy declares an RPO objective";
  return [{ kind: AnomalyKind.MissingRpoEvidence, message: `no RPO was measured although ${why}` }];
}

function objectivesMissed(objectives: RunFacts["objectives"]): Anomaly[] {
  return (["rto", "rpo"] as const)
    .filter((name) => objectives[name].result === "Fail")
    .map((name) => ({
      kind: AnomalyKind.ObjectiveMissed,
      message: `${name.toUpperCase()} ${objectives[name].measuredSeconds}s exceeds the objective of ${objectives[name].objectiveSeconds}s`,
    }));
}

const rollbackReasons = new Set<string>([RunReason.RollbackFailed, RunReason.RollbackStoppedAtPromotion]);

/** The run as a whole rolled back, or tried to: the per-step entries say what was undone, this says how it ended. */
function runRollback(run: FailoverRun): Anomaly[] {
  const complete = run.status?.conditions?.find((c) => c.type === "Complete");
  if (run.status?.phase !== "RolledBack" && !rollbackReasons.has(complete?.reason ?? "")) return [];
  const message =
    complete === undefined ? "the run rolled back" : `the run rolled back (${complete.reason}): ${complete.message}`;
  return [{ kind: AnomalyKind.RolledBack, message }];
}

function cancelled(run: FailoverRun): Anomaly[] {
  return run.status?.phase === "Cancelled" ? [{ kind: AnomalyKind.Cancelled, message: "the run was cancelled" }] : [];
}

export function findAnomalies(facts: RunFacts): Anomaly[] {
  return [
    ...facts.journal.flatMap(stepAnomalies),
    ...runRollback(facts.run),
    ...cancelled(facts.run),
    ...missingRpoEvidence(facts),
    ...objectivesMissed(facts.objectives),
  ];
}
