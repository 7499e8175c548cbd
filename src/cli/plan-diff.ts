/**
 * A dry run's journal as a diff: per step, what it found (`before`) and what it would set (`intent`). The journal is
 * the controller's own record of the preview, so the diff shows exactly what a real run would meet, not a guess from
 * the plan. Kind-aware where a kind's shape is known (weights, flags, writer, replicas), generic otherwise.
 */
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

export function stepDiffs(run: FailoverRun): StepDiff[] {
  return (run.status?.journal ?? []).map((entry) => {
    const diff: StepDiff = {
      name: entry.name,
      kind: entry.kind ?? "step",
      state: entry.state ?? "Pending",
      changes: changesOf(entry),
    };
    const note = noteOf(entry);
    if (note !== undefined) diff.note = note;
    return diff;
  });
}

function show(value: unknown, plain = false): string {
  if (value === undefined || value === null) return "(none)";
  return plain && typeof value === "string" ? value : JSON.stringify(value);
}
const same = (c: Change) => JSON.stringify(c.before) === JSON.stringify(c.after);

/** One change per line: `~` changes, `=` already as wanted; a failed or refused preview step shows its message. */
export function renderDiff(run: FailoverRun): string {
  const lines = [`Dry run ${run.metadata.name}: ${run.spec.from} → ${run.spec.to} (plan ${run.spec.planRef.name})`];
  const diffs = stepDiffs(run);
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
    const entry = run.status?.journal?.[i];
    if (step.state !== "Skipped" && step.state !== "Succeeded") {
      lines.push(`   ! ${step.state}${entry?.message ? `: ${entry.message}` : ""}`);
    }
  });
  const changed = diffs.reduce((n, d) => n + d.changes.filter((c) => !same(c)).length, 0);
  lines.push("", `${changed} change(s) would be made. Nothing was changed.`);
  return lines.join("\n");
}
