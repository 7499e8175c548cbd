/** `switchyard approve RUN --by NAME`: adds an approval to spec.approvals, the step a waiting run stands at by default. */
import type { Command } from "commander";
import { planApproval } from "../approval.js";
import type { Cli } from "../context.js";
import { usageError } from "../exit-codes.js";
import { getOptional } from "../runs.js";

interface ApproveOptions {
  step?: string;
  by: string;
  comment?: string;
}

export function registerApprove(program: Command, cli: Cli): void {
  const command = program
    .command("approve")
    .argument("<run>", "FailoverRun name")
    .description("approve an approval step of a run (default: the step it is waiting at)")
    .requiredOption("--by <name>", "who approves, for the audit trail")
    .option("--step <step>", "the approval step (default: the run's current step when it waits for approval)")
    .option("--comment <text>", "a note kept with the approval")
    .action(async (name: string, options: ApproveOptions) => {
      const client = cli.client(command);
      const run = await client.get("FailoverRun", name);
      const plan = await getOptional(() => client.get("FailoverPlan", run.spec.planRef.name));
      const approval = planApproval(run, plan, options);
      if (!approval.ok) throw usageError(approval.problem);
      await client.mergePatch("FailoverRun", name, approval.patch);
      cli.out(`failoverrun/${name} approved: step ${approval.step} by ${options.by}`);
    });
}
