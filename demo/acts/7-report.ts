/**
 * Act 7: the run report of both runs — RTO and RPO against the policy's objectives, anomalies — a few lines here, the
 * full Markdown (timeline, objectives, anomalies) in a file.
 */
import { errorMessage } from "../../src/core/errors.js";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runReport, reportMarkdown } from "../../src/core/report/run-report.js";
import { group, plurals, version } from "../../src/crds/definitions.js";
import type { FailoverPlan } from "../../src/crds/generated/failoverplans.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import type { Cluster } from "../../test/fixtures/world.js";
import { namespace, policyIn, say, step, type Stage } from "../stage.js";

/** Where the full Markdown run reports go (the environment's own folder is removed at the end). */
const reportDir = join(tmpdir(), "switchyard-demo");

/** The report of each run, read in the cluster of the region that executed it (region → run). */
export async function reportRuns(stage: Stage, runs: [region: string, run: FailoverRun][]): Promise<void> {
  step("Run report");
  for (const [region, run] of runs) {
    await printReport(stage.clusters[region]!, run, await policyIn(stage, region));
  }
}

async function printReport(cluster: Cluster, run: FailoverRun, policy: RegionPolicy): Promise<void> {
  const name = run.metadata.name ?? "";
  const { trigger, from, to } = run.spec;
  try {
    const plan = (await cluster.custom.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.FailoverPlan,
      name: run.spec.planRef.name,
    })) as FailoverPlan;
    const report = runReport({ run, plan, policy });
    const { rto, rpo } = report.objectives;
    say(`${name}  ${trigger}  ${from} → ${to}  ${report.phase}  verdict: ${report.verdict}`);
    say(`    RTO ${rto.measuredSeconds ?? "?"} s against ${rto.objectiveSeconds ?? "no"} s objective: ${rto.result}`);
    say(
      `    RPO ${rpo.measuredSeconds ?? "?"} s against ${rpo.objectiveSeconds ?? "no"} s objective: ${rpo.result}` +
        (report.rpo?.source ? ` — ${report.rpo.source}` : ""),
    );
    const anomalies = report.anomalies.map((a) => `${a.kind}${a.step ? ` (${a.step})` : ""}`);
    say(`    anomalies: ${anomalies.length > 0 ? anomalies.join(", ") : "none"}`);
    await mkdir(reportDir, { recursive: true });
    const file = join(reportDir, `${trigger === "Automatic" ? "failover" : "failback"}.md`);
    await writeFile(file, reportMarkdown(report));
    say(`    full report: ${file}`);
  } catch (error) {
    // The report module is evidence on top of the run's status; the status alone still says what matters.
    const { rto, rpo } = run.status ?? {};
    say(`${name}  ${trigger}  ${from} → ${to}  ${run.status?.phase}`);
    say(
      `    RTO ${rto?.seconds ?? "?"} s (objective 300 s); RPO ${rpo?.seconds ?? "?"} s (objective 5 s) — ${rpo?.source ?? ""}`,
    );
    say(`    (the full report could not be made: ${errorMessage(error)})`);
  }
}
