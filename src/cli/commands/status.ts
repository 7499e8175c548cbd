/** `switchyard status [POLICY]`: one screen per policy (all policies of the namespace without an argument). */
import type { Command } from "commander";
import type { Cli } from "../context.js";
import { getOptional } from "../runs.js";
import { summarize } from "../status-summary.js";

export function registerStatus(program: Command, cli: Cli): void {
  const command = program
    .command("status")
    .argument("[policy]", "RegionPolicy name (default: every policy in the namespace)")
    .description("regions and health, active region and epoch, automation, runs in progress, next drill")
    .action(async (name: string | undefined) => {
      const client = cli.client(command);
      const policies =
        name === undefined ? await client.list("RegionPolicy") : [await client.get("RegionPolicy", name)];
      if (policies.length === 0) {
        cli.out(`No RegionPolicy in namespace ${client.namespace}.`);
        return;
      }
      const [plans, runs, drills] = await Promise.all([
        client.list("FailoverPlan"),
        client.list("FailoverRun"),
        // A cluster without the DrillSchedule CRD simply has no drills.
        getOptional(() => client.list("DrillSchedule")).then((d) => d ?? []),
      ]);
      const now = cli.now();
      cli.out(policies.map((policy) => summarize({ policy, plans, runs, drills, now })).join("\n\n"));
    });
}
