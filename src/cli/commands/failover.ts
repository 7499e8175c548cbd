/**
 * `switchyard failover POLICY --to Y --reason TEXT`: a person's failover. Everything the command can check is checked
 * before the run is created; then it asks for confirmation (unless --yes), creates a Manual FailoverRun and, with
 * --wait, follows it to its end.
 */
import type { Command } from "commander";
import type { Cli } from "../context.js";
import { ExitCode, CliError, usageError } from "../exit-codes.js";
import { planLookup, runsOfPolicy } from "../../core/runs.js";
import { createManualRun, exitForRun, followRun, loadMove } from "../runs.js";
import { inProgress } from "../status-summary.js";
import { parseSeconds } from "../validate.js";

interface FailoverOptions {
  to: string;
  from?: string;
  reason: string;
  yes?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
}

export function registerFailover(program: Command, cli: Cli): void {
  const command = program
    .command("failover")
    .argument("<policy>", "RegionPolicy name")
    .description("start a manual failover (a FailoverRun with trigger Manual), after confirmation")
    .requiredOption("--to <region>", "region to make active")
    .requiredOption("--reason <text>", "why, for the audit trail (for example an incident id)")
    .option("--from <region>", "region to move away from (default: the active region)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--dry-run", "record what each step would do and change nothing (no confirmation needed)")
    .option("--wait", "follow the run until it ends; the exit code says how it ended")
    .option("--timeout <seconds>", "with --wait, how long to follow the run", "1800")
    .action(async (name: string, options: FailoverOptions) => {
      const timeout = parseSeconds("--timeout", options.timeout);
      if (typeof timeout === "string") throw usageError(timeout);
      if (options.reason.trim() === "") throw usageError("--reason: a reason is required for the audit trail");
      const client = cli.client(command);
      const { plan, from } = await loadMove(client, name, options);
      const dryRun = options.dryRun === true;
      if (!dryRun) {
        const running = inProgress(runsOfPolicy(await client.list("FailoverRun"), name, planLookup([plan])));
        const real = running.filter((r) => r.spec.dryRun !== true);
        if (real.length > 0) {
          const names = real.map((r) => `${r.metadata.name} (${r.status?.phase ?? "Pending"})`).join(", ");
          throw usageError(`RegionPolicy ${name} already has a run in progress: ${names}; wait for it or cancel it`);
        }
        const question =
          `Fail over RegionPolicy ${client.namespace}/${name} from ${from} to ${options.to} with plan ` +
          `${plan.metadata.name} (${plan.spec.steps.length} steps), reason "${options.reason}"? This moves traffic` +
          ` and the database writer.`;
        if (options.yes !== true && !(await cli.confirm(question))) {
          throw new CliError("not confirmed: nothing was created", ExitCode.NotDone);
        }
      }
      const runName = await createManualRun(client, name, {
        plan,
        from,
        to: options.to,
        reason: options.reason,
        dryRun,
      });
      cli.out(`failoverrun/${runName} created`);
      if (options.wait !== true) return;
      cli.setExit(exitForRun(cli, await followRun(cli, client, runName, timeout)));
    });
}
