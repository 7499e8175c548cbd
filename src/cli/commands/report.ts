/** `switchyard report RUN [-o json|markdown]`: the run report, from the run, its plan and its policy. */
import { Option, type Command } from "commander";
import { reportJson, reportMarkdown, runReport } from "../../core/report/run-report.js";
import { policyOfRun } from "../../core/runs.js";
import type { Cli } from "../context.js";
import { getOptional } from "../runs.js";

export function registerReport(program: Command, cli: Cli): void {
  const command = program
    .command("report")
    .argument("<run>", "FailoverRun name")
    .description("the run's report: timeline, RTO and RPO against the policy's objectives, anomalies")
    .addOption(new Option("-o, --output <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .action(async (name: string, options: { output: "markdown" | "json" }) => {
      const client = cli.client(command);
      const run = await client.get("FailoverRun", name);
      // The plan and policy may have changed or gone since the run; the report then says what the run alone holds.
      const plan = await getOptional(() => client.get("FailoverPlan", run.spec.planRef.name));
      const policyName = policyOfRun(run, plan);
      const policy =
        policyName === undefined ? undefined : await getOptional(() => client.get("RegionPolicy", policyName));
      const report = runReport({ run, ...(plan ? { plan } : {}), ...(policy ? { policy } : {}) });
      cli.out((options.output === "json" ? reportJson(report) : reportMarkdown(report)).trimEnd());
    });
}
