/**
 * `switchyard plan POLICY --from X --to Y`: a preview. It creates a dry-run FailoverRun, which the target region's
 * controller executes without changing anything, and prints the journal as a diff of what a real run would change.
 */
import type { Command } from "commander";
import { isPaused } from "../../crds/definitions.js";
import type { Cli } from "../context.js";
import { ExitCode, usageError } from "../exit-codes.js";
import { renderDiff } from "../plan-diff.js";
import { createManualRun, followRun, loadMove } from "../runs.js";
import { parseSeconds } from "../validate.js";

interface PlanOptions {
  from?: string;
  to: string;
  timeout: string;
  reason?: string;
}

export function registerPlan(program: Command, cli: Cli): void {
  const command = program
    .command("plan")
    .argument("<policy>", "RegionPolicy name")
    .description("preview a failover: a dry run executed by the target region's controller, printed as a diff")
    .requiredOption("--to <region>", "region to make active")
    .option("--from <region>", "region to move away from (default: the active region)")
    .option("--reason <text>", "why, for the audit trail", "preview from the command line")
    .option("--timeout <seconds>", "how long to wait for the preview to finish", "120")
    .action(async (name: string, options: PlanOptions) => {
      const timeout = parseSeconds("--timeout", options.timeout);
      if (typeof timeout === "string") throw usageError(timeout);
      const client = cli.client(command);
      const { policy, plan, from } = await loadMove(client, name, options);
      if (isPaused(policy)) cli.err(`warning: RegionPolicy ${name} is paused; the preview starts once it is resumed`);
      const runName = await createManualRun(client, name, {
        plan,
        from,
        to: options.to,
        reason: options.reason ?? "preview",
        dryRun: true,
      });
      cli.err(`failoverrun/${runName} created (dry run); waiting for ${options.to}'s controller`);
      const run = await followRun(cli, client, runName, timeout);
      cli.out(renderDiff(run));
      cli.setExit(run.status?.phase === "Succeeded" ? ExitCode.Ok : ExitCode.Failed);
    });
}
