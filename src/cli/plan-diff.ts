/**
 * A dry run's journal as a diff: per step, what it found (`before`) and what it would set (`intent`). The journal is
 * the controller's own record of the preview, so the diff shows exactly what a real run would meet, not a guess from
 * the plan. Kind-aware where a kind's shape is known (weights, flags, writer, replicas), generic otherwise.
 */
import { failureOf } from "../core/plan/journal.js";
import type { BoundStep } from "../core/plan/steps.js";
import type { Problem } from "../core/plan/validate.js";
import type { FailoverRun, FailoverRunStatusJournal } from "../crds/generated/failoverruns.js";

type Json = Record<string, unknown>;

export interface Change {
  what: string;
  before?: unknown;
  after: unknown;
  /** Descriptions rather than values: shown without JSON quotes. */
  plain?: boolean;
}

export interface StepDiff {
  name: string;
  kind: string;
  state: string;
  /** What would change; an unchanged value is listed with before equal to after. */
  changes: Change[];
  /** Steps that change nothing in the world (waits, approvals) say what they would do instead. */
  note?: string;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObject(v) ? v : {});

function route53Changes(intent: Json, before: Json): Change[] {
  const to = obj(intent.weights);
  const from = obj(before.weights);
  const changes: Change[] = Object.keys(to).map((region) => ({
    what: `weight ${region}`,
    before: from[region],
    after: to[region],
  }));
  const fence = obj(intent.fence);
  if (isObject(fence.to)) {
    const describe = (record: unknown) =>
      isObject(record) ? `${String(record.active)} epoch ${String(record.epoch)}` : "(none)";
    changes.push({ what: "fencing record", before: describe(fence.from), after: describe(fence.to), plain: true });
  }
  return changes;
}

function flagChanges(intent: Json, before: Json): Change[] {
  const where = `${String(intent.namespace)}/${String(intent.name)}`;
  return [{ what: `flag ${where} ${String(intent.key)}`, before: before.value, after: intent.value }];
}

function genericChanges(intent: Json, before: Json): Change[] {
  return Object.keys(before).map((key) => ({ what: key, before: before[key], after: intent[key] }));
}

function changesOf(entry: FailoverRunStatusJournal): Change[] {
  const intent = obj(entry.intent);
  const before = obj(entry.before);
  switch (entry.kind) {
    case "route53":
      return route53Changes(intent, before);
    case "flag":
      return flagChanges(intent, before);
    case "scale":
      return [
        {
          what: `replicas ${String(intent.namespace)}/${String(intent.name)}`,
          before: before.replicas,
          after: intent.replicas,
        },
      ];
    case "auroraGlobal":
      return [
        {
          what: `writer of ${String(intent.globalClusterIdentifier)}`,
          before: before.writer,
          after: `${String(intent.target)} (mode ${String(intent.mode)})`,
          plain: true,
        },
      ];
    default:
      return genericChanges(intent, before);
  }
}

function noteOf(entry: FailoverRunStatusJournal): string | undefined {
  const intent = obj(entry.intent);
  if (entry.kind === "waitFor") {
    const healthy = intent.healthy === false ? "unhealthy" : "healthy";
    return `would wait for signal ${String(intent.signal)} in ${String(intent.region)} to be ${healthy}`;
  }
  if (entry.kind === "approval") return `would ask for approval: ${String(intent.message)}`;
  return undefined;
}

/**
 * What a plan step would do, with its real fields, for a step the preview journaled without an intent (skipped before
 * it observed anything, for example because its region was unreachable): the plan, not the journal, says what it is.
 */
export function describeStep(step: BoundStep, namespace: string): string {
  switch (step.kind) {
    case "flag": {
      const { configMapRef, key, value, region } = step.flag;
      return `set flag ${configMapRef.namespace ?? namespace}/${configMapRef.name} ${key} to ${JSON.stringify(value)} in ${region}`;
    }
    case "route53": {
      const weights = Object.entries(step.route53.weights).map(([region, weight]) => `${region}=${weight}`);
      return `set weights ${weights.join(", ")} of ${step.route53.recordName} in zone ${step.route53.hostedZoneId}`;
    }
    case "auroraGlobal":
      return `make ${step.auroraGlobal.target} the writer of ${step.auroraGlobal.globalClusterIdentifier} (mode ${step.auroraGlobal.mode})`;
    case "rdsPromoteReplica": {
      const { dbInstanceIdentifier, dbClusterIdentifier, region } = step.rdsPromoteReplica;
      return `promote ${dbInstanceIdentifier ?? dbClusterIdentifier ?? "(no identifier)"} in ${region}`;
    }
    case "scale": {
      const { deploymentRef, replicas, region } = step.scale;
      return `scale ${deploymentRef.namespace ?? namespace}/${deploymentRef.name} to ${replicas} replicas in ${region}`;
    }
    case "job":
      return `run a Job from its template in ${step.job.region}`;
    case "webhook":
      return `POST to ${step.webhook.url ?? `the address in Secret ${step.webhook.secretRef?.name ?? ""}`}`;
    case "waitFor":
      return `wait for signal ${step.waitFor.signal} in ${step.waitFor.region} to be ${step.waitFor.healthy ? "healthy" : "unhealthy"}`;
    case "approval":
      return `ask for approval: ${step.approval.message}`;
  }
}

const recorded = (entry: FailoverRunStatusJournal) => Object.keys(obj(entry.intent)).length > 0;

/**
 * Per journal entry, what it would change. `steps` (the plan bound to the run's move) names what a step without a
 * recorded intent is; without it such a step says only that nothing was recorded.
 */
export function stepDiffs(run: FailoverRun, steps: readonly BoundStep[] = []): StepDiff[] {
  return (run.status?.journal ?? []).map((entry) => {
    const diff: StepDiff = {
      name: entry.name,
      kind: entry.kind ?? "step",
      state: entry.state ?? "Pending",
      changes: recorded(entry) ? changesOf(entry) : [],
    };
    const step = steps.find((s) => s.name === entry.name);
    const note = recorded(entry)
      ? noteOf(entry)
      : step && `not previewed; the step would ${describeStep(step, run.metadata.namespace ?? "")}`;
    if (note !== undefined) diff.note = note;
    return diff;
  });
}

function show(value: unknown, plain = false): string {
  if (value === undefined || value === null) return "(none)";
  return plain && typeof value === "string" ? value : JSON.stringify(value);
}
const same = (c: Change) => JSON.stringify(c.before) === JSON.stringify(c.after);

const isDryRunSkip = (entry: FailoverRunStatusJournal | undefined) => entry?.message?.startsWith("DryRun:") === true;

/** Why a step did not complete, with the reason a guard or the engine gave, when the journal has one. */
function stepTrouble(step: StepDiff, entry: FailoverRunStatusJournal | undefined): string | undefined {
  if (step.state === "Succeeded") return undefined;
  if (step.state === "Skipped")
    return isDryRunSkip(entry) ? undefined : `   - Skipped: ${entry?.message ?? ""}`.trimEnd();
  const reason = failureOf(entry)?.reason;
  return `   ! ${step.state}${reason ? ` (${reason})` : ""}${entry?.message ? `: ${entry.message}` : ""}`;
}

/**
 * One change per line: `~` changes, `=` already as wanted; a failed or refused preview step shows its reason and
 * message, a step skipped for another reason than the dry run says why. A preview that did not succeed ends with
 * the run's own reason instead of a count of changes, since a real run would stop there too.
 */
export function renderDiff(run: FailoverRun, steps: readonly BoundStep[] = []): string {
  const lines = [`Dry run ${run.metadata.name}: ${run.spec.from} → ${run.spec.to} (plan ${run.spec.planRef.name})`];
  const diffs = stepDiffs(run, steps);
  diffs.forEach((step, i) => {
    lines.push("", `${i + 1}. ${step.name} (${step.kind})`);
    for (const change of step.changes) {
      lines.push(
        same(change)
          ? `   = ${change.what}: ${show(change.after, change.plain)} (already)`
          : `   ~ ${change.what}: ${show(change.before, change.plain)} → ${show(change.after, change.plain)}`,
      );
    }
    if (step.note !== undefined) lines.push(`   ${step.note}`);
    if (step.changes.length === 0 && step.note === undefined) lines.push("   (no change recorded)");
    const trouble = stepTrouble(step, run.status?.journal?.[i]);
    if (trouble !== undefined) lines.push(trouble);
  });
  const phase = run.status?.phase;
  if (phase !== "Succeeded") {
    const complete = run.status?.conditions?.find((c) => c.type === "Complete");
    const why = complete ? ` (${complete.reason}): ${complete.message}` : "";
    lines.push(
      "",
      `The preview ended ${phase ?? "unfinished"}${why}`,
      "A real run would not complete. Nothing was changed.",
    );
    return lines.join("\n");
  }
  const changed = diffs.reduce((n, d) => n + d.changes.filter((c) => !same(c)).length, 0);
  lines.push("", `${changed} change(s) would be made. Nothing was changed.`);
  return lines.join("\n");
}

/**
 * The plan's problems with the move asked for, found before any run is created (the same checks the target region's
 * controller makes, which would refuse the run as InvalidPlan): one line each, errors first, naming step and field.
 */
export function renderPlanProblems(
  plan: string,
  move: { from: string; to: string },
  problems: readonly Problem[],
): string {
  const errors = problems.filter((p) => p.severity === "Error");
  const warnings = problems.filter((p) => p.severity === "Warning");
  const line = (p: Problem) =>
    `  ${p.severity === "Error" ? "error  " : "warning"} ${p.step === undefined ? "plan" : `step ${p.step}`}, ${p.field}: ${p.reason}: ${p.message}`;
  return [
    `FailoverPlan ${plan} cannot move ${move.from} → ${move.to}: ${errors.length} error(s)${warnings.length ? `, ${warnings.length} warning(s)` : ""}`,
    ...errors.map(line),
    ...warnings.map(line),
    "No preview was created.",
  ].join("\n");
}
