/**
 * The Markdown rendering of a run report, for a drill's evidence or an incident review: a summary table, the
 * objectives, the timeline and the anomalies. Everything it shows comes from the report; it decides nothing.
 */
import type { ObjectiveCheck, RunReport } from "./types.js";

/** A table cell: a pipe would end the cell and a newline the row. */
function cell(text: string | number | undefined): string {
  if (text === undefined || text === "") return "—";
  return String(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function seconds(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `${value} s`;
}

function table(header: string[], rows: (string | number | undefined)[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

const resultText: Record<ObjectiveCheck["result"], string> = {
  Pass: "pass",
  Fail: "**FAIL**",
  NoObjective: "no objective declared",
  NotMeasured: "not measured",
};

function summary(report: RunReport): string[] {
  const { run } = report;
  const outcome = report.outcome === undefined ? report.phase : `${report.phase} (${report.outcome.reason})`;
  return table(
    ["", ""],
    [
      ["Verdict", report.verdict === "Fail" ? "**Fail**" : report.verdict],
      ["Outcome", outcome],
      ["Detail", report.outcome?.message],
      ["Trigger", run.trigger],
      ["From → to", `${run.from} → ${run.to}`],
      ["Dry run", run.dryRun ? "yes" : "no"],
      ["Reason", run.reason],
      ["Plan", run.plan],
      ["Policy", run.policy],
      ["Namespace", run.namespace],
      ["Started", report.startedAt],
      ["Finished", report.finishedAt],
      ["Duration", seconds(report.durationSeconds)],
      ["Fencing epoch", report.epoch],
    ],
  );
}

function objectives(report: RunReport): string[] {
  const row = (name: string, check: ObjectiveCheck) => [
    name,
    seconds(check.objectiveSeconds),
    seconds(check.measuredSeconds),
    resultText[check.result],
  ];
  const evidence: string[] = [];
  if (report.rto?.breachAt !== undefined) evidence.push(`- RTO measured from ${report.rto.breachAt}`);
  if (report.rto?.trafficShiftedAt !== undefined) evidence.push(`- traffic shifted at ${report.rto.trafficShiftedAt}`);
  if (report.rto?.writerPromotedAt !== undefined) evidence.push(`- writer promoted at ${report.rto.writerPromotedAt}`);
  if (report.rpo?.source !== undefined) evidence.push(`- RPO source: ${report.rpo.source}`);
  return [
    ...table(
      ["", "objective", "measured", "result"],
      [row("RTO", report.objectives.rto), row("RPO", report.objectives.rpo)],
    ),
    ...(evidence.length === 0 ? [] : ["", ...evidence]),
  ];
}

function timeline(report: RunReport): string[] {
  if (report.timeline.length === 0) return ["No step has started."];
  return table(
    ["#", "step", "kind", "state", "started", "finished", "duration", "attempts", "message"],
    report.timeline.map((s, i) => [
      i + 1,
      s.name,
      s.kind,
      s.state,
      s.startedAt,
      s.finishedAt,
      seconds(s.durationSeconds),
      s.attempts,
      s.message,
    ]),
  );
}

function anomalies(report: RunReport): string[] {
  if (report.anomalies.length === 0) return ["None."];
  return report.anomalies.map((a) => `- **${a.kind}**: ${a.message.replace(/\r?\n/g, " ")}`);
}

export function reportMarkdown(report: RunReport): string {
  return [
    `# Failover run ${report.run.name}`,
    "",
    ...summary(report),
    "",
    "## Objectives",
    "",
    ...objectives(report),
    "",
    "## Timeline",
    "",
    ...timeline(report),
    "",
    "## Anomalies",
    "",
    ...anomalies(report),
    "",
  ].join("\n");
}
