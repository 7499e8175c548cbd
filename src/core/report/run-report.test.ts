import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FailoverRunStatusJournal } from "../../crds/generated/failoverruns.js";
import { AnomalyKind, reportJson, reportMarkdown, runReport, type RunReport } from "./run-report.js";
import { at, entry, plan, policy, run } from "./testing.js";

const kinds = (report: RunReport) =>
  report.anomalies.map((a) => `${a.kind}${a.step === undefined ? "" : `:${a.step}`}`);

describe("runReport: identity, outcome and timeline", () => {
  it("reports a clean manual switchover as a pass with its timeline in journal order", () => {
    const report = runReport({ run: run(), policy: policy({ rtoSeconds: 60, rpoSeconds: 5 }) });
    expect(report.run).toEqual({
      name: "checkout-manual-1",
      namespace: "shop",
      plan: "checkout",
      policy: "checkout",
      trigger: "Manual",
      from: "us-east-1",
      to: "eu-west-1",
      dryRun: false,
      reason: "INC-42",
    });
    expect(report.phase).toBe("Succeeded");
    expect(report.outcome).toEqual({ reason: "Completed", message: "Every step succeeded." });
    expect(report.durationSeconds).toBe(21);
    expect(report.epoch).toBe(8);
    expect(report.timeline.map((s) => s.name)).toEqual(["freeze-writes", "shift-traffic", "promote-db", "unfreeze"]);
    expect(report.timeline[2]).toEqual({
      name: "promote-db",
      kind: "auroraGlobal",
      state: "Succeeded",
      startedAt: at(5),
      finishedAt: at(20),
      durationSeconds: 15,
      attempts: 1,
    });
    expect(report.objectives).toEqual({
      rto: { objectiveSeconds: 60, measuredSeconds: 20, result: "Pass" },
      rpo: { objectiveSeconds: 5, measuredSeconds: 0, result: "Pass" },
    });
    expect(report.anomalies).toEqual([]);
    expect(report.verdict).toBe("Pass");
  });

  it("orders the timeline by the plan and shows the steps a halted run never reached as Pending", () => {
    const halted = run({
      phase: "Failed",
      journal: [
        entry("freeze-writes", "flag"),
        entry("shift-traffic", "route53", { state: "Failed", message: "throttled" }),
      ],
    });
    const report = runReport({
      run: halted,
      plan: plan(["freeze-writes", "shift-traffic", "promote-db", "unfreeze"]),
    });
    expect(report.timeline.map((s) => `${s.name}=${s.state}`)).toEqual([
      "freeze-writes=Succeeded",
      "shift-traffic=Failed",
      "promote-db=Pending",
      "unfreeze=Pending",
    ]);
    expect(report.run.policy).toBe("checkout");
    expect(report.verdict).toBe("Fail");
  });

  it("keeps a journal entry whose step the plan no longer has, after the planned steps", () => {
    const report = runReport({ run: run(), plan: plan(["freeze-writes", "shift-traffic"]) });
    expect(report.timeline.map((s) => s.name)).toEqual(["freeze-writes", "shift-traffic", "promote-db", "unfreeze"]);
  });

  it("reads a run nobody has started yet", () => {
    const report = runReport({ run: { ...run(), status: undefined } });
    expect(report).toMatchObject({
      phase: "Pending",
      finished: false,
      timeline: [],
      anomalies: [],
      verdict: "Pending",
    });
    expect(report.objectives.rto.result).toBe("NoObjective");
  });
});

const refused: FailoverRunStatusJournal = entry("shift-traffic", "route53", {
  state: "Failed",
  message: "every region would be at weight 0",
  observed: { failure: { reason: "NeverZeroWeights", permanent: true } },
});
const failed: FailoverRunStatusJournal = entry("promote-db", "auroraGlobal", {
  state: "Failed",
  attempts: 4,
  message: "InvalidDBClusterStateFault",
  observed: { failure: { reason: "RetriesExhausted", permanent: false } },
});

describe("runReport: anomalies", () => {
  it.each<{
    name: string;
    run: ReturnType<typeof run>;
    objectives?: { rtoSeconds?: number; rpoSeconds?: number };
    expected: string[];
  }>([
    { name: "a clean run has none", run: run(), expected: [] },
    {
      name: "a retried step",
      run: run({ journal: [entry("shift-traffic", "route53", { attempts: 3 })] }),
      expected: ["Retried:shift-traffic"],
    },
    {
      name: "a step skipped because its region was unreachable, with the reason",
      run: run({
        journal: [entry("freeze-writes", "flag", { state: "Skipped", message: "RegionUnreachable: peer down" })],
      }),
      expected: ["Skipped:freeze-writes"],
    },
    {
      name: "a dry run's skips are not anomalies, nor is its missing RPO",
      run: run(
        {
          rpo: undefined,
          journal: [entry("promote-db", "auroraGlobal", { state: "Skipped", message: "DryRun: would promote" })],
        },
        { dryRun: true },
      ),
      objectives: { rpoSeconds: 5 },
      expected: [],
    },
    {
      name: "a refused step is told apart from a failed one",
      run: run({ phase: "Failed", journal: [refused] }),
      expected: ["Refused:shift-traffic"],
    },
    {
      name: "a failed step that was retried",
      run: run({ phase: "Failed", journal: [failed] }),
      expected: ["Retried:promote-db", "StepFailed:promote-db"],
    },
    {
      name: "a rollback: each undone step and the run",
      run: run({
        phase: "RolledBack",
        journal: [entry("freeze-writes", "flag", { state: "RolledBack" }), refused],
        conditions: [
          {
            type: "Complete",
            status: "False",
            reason: "RolledBack",
            message: "undone",
            lastTransitionTime: at(9),
          },
        ],
      }),
      expected: ["RolledBack:freeze-writes", "Refused:shift-traffic", "RolledBack"],
    },
    {
      name: "a restore that failed",
      run: run({
        phase: "Failed",
        journal: [
          entry("freeze-writes", "flag", {
            message: "rollback failed: forbidden",
            observed: { rollback: { error: "forbidden" } },
          }),
        ],
        conditions: [
          {
            type: "Complete",
            status: "False",
            reason: "RollbackFailed",
            message: "partly undone",
            lastTransitionTime: at(9),
          },
        ],
      }),
      expected: ["RollbackFailed:freeze-writes", "RolledBack"],
    },
    {
      name: "a promotion without RPO evidence",
      run: run({ rpo: undefined }),
      expected: ["MissingRpoEvidence"],
    },
    {
      name: "no promotion, but the policy declares an RPO objective",
      run: run({ rpo: undefined, journal: [entry("shift-traffic", "route53")] }),
      objectives: { rpoSeconds: 5 },
      expected: ["MissingRpoEvidence"],
    },
    {
      name: "no promotion and no RPO objective: nothing to measure",
      run: run({ rpo: undefined, journal: [entry("shift-traffic", "route53")] }),
      expected: [],
    },
    {
      name: "a run still going is not judged on evidence it has not produced yet",
      run: run({ phase: "Running", rpo: undefined, rto: undefined, finishedAt: undefined }),
      objectives: { rtoSeconds: 1, rpoSeconds: 1 },
      expected: [],
    },
    {
      name: "objectives missed",
      run: run({ rto: { seconds: 400 }, rpo: { seconds: 12 } }),
      objectives: { rtoSeconds: 300, rpoSeconds: 5 },
      expected: ["ObjectiveMissed", "ObjectiveMissed"],
    },
    {
      name: "a cancelled run",
      run: run({ phase: "Cancelled" }),
      expected: ["Cancelled"],
    },
  ])("$name", ({ run: r, objectives, expected }) => {
    expect(kinds(runReport({ run: r, policy: policy(objectives) }))).toEqual(expected);
  });

  it("says by how much an objective was missed", () => {
    const report = runReport({ run: run({ rto: { seconds: 400 } }), policy: policy({ rtoSeconds: 300 }) });
    expect(report.anomalies).toEqual([
      { kind: AnomalyKind.ObjectiveMissed, message: "RTO 400s exceeds the objective of 300s" },
    ]);
    expect(report.verdict).toBe("Fail");
  });
});

describe("runReport: verdict", () => {
  it.each([
    { phase: "Succeeded", rto: 20, verdict: "Pass" },
    { phase: "Succeeded", rto: 61, verdict: "Fail" },
    { phase: "Failed", rto: 20, verdict: "Fail" },
    { phase: "RolledBack", rto: 20, verdict: "Fail" },
    { phase: "Cancelled", rto: 20, verdict: "Fail" },
    { phase: "Running", rto: 20, verdict: "Pending" },
    { phase: "WaitingApproval", rto: 20, verdict: "Pending" },
  ] as const)("$phase with RTO $rto against 60 s: $verdict", ({ phase, rto, verdict }) => {
    const report = runReport({ run: run({ phase, rto: { seconds: rto } }), policy: policy({ rtoSeconds: 60 }) });
    expect(report.verdict).toBe(verdict);
  });
});

describe("reportMarkdown", () => {
  it("renders the summary, objectives, timeline and anomalies", () => {
    const md = reportMarkdown(
      runReport({ run: run({ rpo: undefined, rto: { seconds: 400 } }), policy: policy({ rtoSeconds: 300 }) }),
    );
    expect(md).toContain("# Failover run checkout-manual-1");
    expect(md).toContain("| From → to | us-east-1 → eu-west-1 |");
    expect(md).toContain("| RTO | 300 s | 400 s | **FAIL** |");
    expect(md).toContain("| RPO | — | — | no objective declared |");
    expect(md).toContain(
      "| 3 | promote-db | auroraGlobal | Succeeded | 2025-01-01T12:00:05Z | 2025-01-01T12:00:20Z | 15 s | 1 | — |",
    );
    expect(md).toContain("- **ObjectiveMissed**: RTO 400s exceeds the objective of 300s");
    expect(md).toContain("- **MissingRpoEvidence**");
  });

  it("keeps a message with pipes and newlines inside its table cell", () => {
    const md = reportMarkdown(runReport({ run: run({ journal: [entry("a", "flag", { message: "x | y\nz" })] }) }));
    expect(md).toContain("| x \\| y z |");
  });

  it("says None when there is nothing to report", () => {
    const md = reportMarkdown(runReport({ run: run(), policy: policy() }));
    expect(md).toMatch(/## Anomalies\n\nNone\.\n$/);
  });
});

const stepName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
const journalEntry = fc.record({
  name: stepName,
  kind: fc.constantFrom(
    "flag",
    "route53",
    "auroraGlobal",
    "rdsPromoteReplica",
    "scale",
    "waitFor",
    "approval" as const,
  ),
  state: fc.constantFrom(
    "Pending",
    "Running",
    "Succeeded",
    "Failed",
    "Skipped",
    "WaitingApproval",
    "RolledBack" as const,
  ),
  attempts: fc.nat({ max: 5 }),
  startedAt: fc.option(fc.integer({ min: 0, max: 59 }).map(at), { nil: undefined }),
  finishedAt: fc.option(fc.integer({ min: 0, max: 59 }).map(at), { nil: undefined }),
  message: fc.option(fc.string(), { nil: undefined }),
  observed: fc.option(
    fc.record({
      failure: fc.record({ reason: fc.constantFrom("AttemptFailed", "NeverZeroWeights"), permanent: fc.boolean() }),
    }),
    { nil: undefined },
  ),
});
/** JSON has no undefined: a generated entry must look like one read from the API. */
const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const anyRun = fc
  .record({
    journal: fc.uniqueArray(journalEntry, { selector: (e) => e.name, maxLength: 8 }),
    phase: fc.constantFrom(
      "Pending",
      "Running",
      "WaitingApproval",
      "Succeeded",
      "Failed",
      "RolledBack",
      "Cancelled" as const,
    ),
    rto: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    rpo: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    dryRun: fc.boolean(),
  })
  .map(({ journal, phase, rto, rpo, dryRun }) =>
    run(
      {
        journal: journal.map(withoutUndefined),
        phase,
        rto: rto === undefined ? undefined : { seconds: rto },
        rpo: rpo === undefined ? undefined : { seconds: rpo },
      },
      { dryRun },
    ),
  );
const anyObjectives = fc.record(
  { rtoSeconds: fc.integer({ min: 1, max: 1000 }), rpoSeconds: fc.integer({ min: 0, max: 100 }) },
  { requiredKeys: [] },
);

describe("run report properties", () => {
  it("JSON round-trips the report exactly", () => {
    fc.assert(
      fc.property(anyRun, anyObjectives, (r, o) => {
        const report = runReport({ run: r, policy: policy(o) });
        expect(JSON.parse(reportJson(report))).toStrictEqual(report);
      }),
    );
  });

  it("Markdown names every step of the journal", () => {
    fc.assert(
      fc.property(anyRun, anyObjectives, (r, o) => {
        const md = reportMarkdown(runReport({ run: r, policy: policy(o) }));
        for (const e of r.status?.journal ?? []) expect(md).toContain(`| ${e.name} |`);
      }),
    );
  });

  it("a pass is only ever a succeeded run that missed no objective", () => {
    fc.assert(
      fc.property(anyRun, anyObjectives, (r, o) => {
        const report = runReport({ run: r, policy: policy(o) });
        if (report.verdict !== "Pass") return;
        expect(report.phase).toBe("Succeeded");
        expect(report.anomalies.map((a) => a.kind)).not.toContain(AnomalyKind.ObjectiveMissed);
      }),
    );
  });
});
