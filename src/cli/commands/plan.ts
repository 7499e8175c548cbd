/**
 * `switchyard plan POLICY --from X --to Y`: a preview. It creates a dry-run FailoverRun, which the target region's
 * controller executes without changing anything, and prints the journal as a diff of what a real run would change.
 * A plan that cannot make the move is refused here, with its problems, and a preview that fails says why.
 */
import type { Command } from "commander";
import { bindPlan } from "../../core/plan/bind.js";
import { describeProblem, errorsOf } from "../../core/plan/validate.js";
import { isPaused } from "../../crds/definitions.js";
import { problemLine } from "../check-summary.js";
import type { Cli } from "../context.js";
import { ExitCode, usageError } from "../exit-codes.js";
import { renderDiff, renderPlanProblems } from "../plan-diff.js";
import { createManualRun, followRun, loadMove } from "../runs.js";
import { parseSeconds, regionsOf } from "../validate.js";

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
      const move = { from, to: options.to };
      // The checks the target region's controller makes before running anything: a plan that fails them would only
      // come back as a refused preview, so say which step and field are at fault without creating a run.
      const bound = bindPlan(plan.spec, move, {
        regions: regionsOf(policy),
        signals: policy.spec.signals,
        namespace: client.namespace,
      });
      if (errorsOf(bound.problems).length > 0) {
        cli.out(renderPlanProblems(plan.metadata.name ?? "", move, bound.problems));
        cli.setExit(ExitCode.NotReady);
        return;
      }
      for (const p of bound.problems) cli.err(`warning: ${p.reason}: ${describeProblem(p)}`);
      // The controller's last readiness finding is news worth a line, but the preview itself is the better witness.
      const finding = plan.status?.moves?.find((m) => m.from === from && m.to === options.to);
      if (finding?.ready === false) {
        cli.err(`warning: FailoverPlan ${plan.metadata.name} was last found not ready for ${from} → ${options.to}:`);
        for (const p of finding.problems ?? []) cli.err(`  ${problemLine(p)}`);
      }
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
      cli.out(renderDiff(run, bound.plan.steps));
      cli.setExit(run.status?.phase === "Succeeded" ? ExitCode.Ok : ExitCode.Failed);
    });
}
