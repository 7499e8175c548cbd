/**
 * The report of one FailoverRun (drill evidence, post-incident review): its identity, how it ended, a timeline of its
 * steps from the journal, the measured RTO and RPO against the RegionPolicy's objectives, and the anomalies. Pure:
 * the caller reads the run, its plan and its policy; this module only turns them into a report and renders it.
 */
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { parseTime, toRfc3339 } from "../time.js";
import { isFinalPhase } from "../runs.js";
import { findAnomalies } from "./anomalies.js";
import { checkObjective } from "./objectives.js";
import type { ReportStep, RunReport, Verdict } from "./types.js";

export type { Anomaly, ObjectiveCheck, ReportStep, RunReport, Verdict } from "./types.js";
export { AnomalyKind } from "./types.js";
export { reportMarkdown } from "./markdown.js";

type Journal = NonNullable<NonNullable<FailoverRun["status"]>["journal"]>;

/** Seconds between two RFC 3339 times, to a tenth; undefined unless both are readable. */
export function secondsBetween(start: string | undefined, end: string | undefined): number | undefined {
  const a = parseTime(start);
  const b = parseTime(end);
  if (a === undefined || b === undefined) return undefined;
  return Math.round((b - a) / 100) / 10;
}

/** Copies only the keys whose value is defined, so the report holds no undefined and JSON round-trips it exactly. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Typed as a Date by client-node, but a custom object read from the API holds the string the apiserver sent. */
function timeText(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? toRfc3339(value.getTime()) : value;
}

function timelineStep(entry: Journal[number]): ReportStep {
  return defined({
    name: entry.name,
    kind: entry.kind,
    state: entry.state ?? "Pending",
    startedAt: entry.startedAt,
    finishedAt: entry.finishedAt,
    durationSeconds: secondsBetween(entry.startedAt, entry.finishedAt),
    attempts: entry.attempts ?? 0,
    message: entry.message,
  });
}

/**
 * The journal's entries in plan order, then any entry the plan no longer has; with a plan, the steps the run has not
 * reached appear as Pending so a halted run shows what it never did.
 */
function timeline(journal: Journal, plan: FailoverPlan | undefined): ReportStep[] {
  if (plan === undefined) return journal.map(timelineStep);
  const planned = plan.spec.steps.map((s) => {
    const entry = journal.find((e) => e.name === s.name);
    return entry === undefined ? { name: s.name, state: "Pending" as const, attempts: 0 } : timelineStep(entry);
  });
  const names = new Set(plan.spec.steps.map((s) => s.name));
  return [...planned, ...journal.filter((e) => !names.has(e.name)).map(timelineStep)];
}

function verdictOf(report: Pick<RunReport, "phase" | "finished" | "objectives">): Verdict {
  if (!report.finished) return "Pending";
  const missed = report.objectives.rto.result === "Fail" || report.objectives.rpo.result === "Fail";
  return report.phase === "Succeeded" && !missed ? "Pass" : "Fail";
}

export function runReport(input: { run: FailoverRun; plan?: FailoverPlan; policy?: RegionPolicy }): RunReport {
  const { run, plan, policy } = input;
  const status = run.status ?? {};
  const journal = status.journal ?? [];
  const phase = status.phase ?? "Pending";
  const finished = isFinalPhase(phase);
  const objectives = {
    rto: checkObjective(policy?.spec.objectives?.rtoSeconds, status.rto?.seconds),
    rpo: checkObjective(policy?.spec.objectives?.rpoSeconds, status.rpo?.seconds),
  };
  const complete = status.conditions?.find((c) => c.type === "Complete");
  const report: RunReport = defined({
    run: defined({
      name: run.metadata.name ?? "",
      namespace: run.metadata.namespace,
      plan: run.spec.planRef.name,
      policy: policy?.metadata.name ?? plan?.spec.regionPolicyRef.name,
      trigger: run.spec.trigger ?? "Manual",
      from: run.spec.from,
      to: run.spec.to,
      dryRun: run.spec.dryRun ?? false,
      reason: run.spec.reason,
      createdAt: timeText(run.metadata.creationTimestamp),
    }),
    phase,
    finished,
    outcome: complete === undefined ? undefined : { reason: complete.reason, message: complete.message },
    startedAt: status.startedAt,
    finishedAt: status.finishedAt,
    durationSeconds: secondsBetween(status.startedAt, status.finishedAt),
    epoch: status.epoch,
    timeline: timeline(journal, plan),
    rto: status.rto === undefined ? undefined : defined({ ...status.rto }),
    rpo: status.rpo === undefined ? undefined : defined({ ...status.rpo }),
    objectives,
    anomalies: findAnomalies({
      run,
      journal,
      finished,
      rpoObjectiveDeclared: policy?.spec.objectives?.rpoSeconds !== undefined,
      objectives,
    }),
    verdict: "Pending",
  });
  return { ...report, verdict: verdictOf(report) };
}

export function reportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
