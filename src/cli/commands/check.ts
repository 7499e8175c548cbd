/**
 * `switchyard check [POLICY] [-o text|json]`: readiness of every move of the policy's plan (all policies of the
 * namespace without an argument), as the FailoverPlan controller last evaluated it. The exit code is the verdict:
 * 0 only when every move of every policy checked is ready under a current evaluation.
 */
import { Option, type Command } from "commander";
import type { Cli } from "../context.js";
import { allReady, checkJson, checkPolicy, renderCheck } from "../check-summary.js";
import { ExitCode } from "../exit-codes.js";
import { getOptional } from "../runs.js";

export function registerCheck(program: Command, cli: Cli): void {
  const command = program
    .command("check")
    .argument("[policy]", "RegionPolicy name (default: every policy in the namespace)")
    .description("whether the policy's plan can make each move now (exit code 4 when a move is not ready)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (name: string | undefined, options: { output: "text" | "json" }) => {
      const client = cli.client(command);
      const policies =
        name === undefined ? await client.list("RegionPolicy") : [await client.get("RegionPolicy", name)];
      const checks = await Promise.all(
        policies.map(async (policy) => {
          const ref = policy.spec.automation.failoverPlanRef?.name;
          const plan = ref === undefined ? undefined : await getOptional(() => client.get("FailoverPlan", ref));
          return checkPolicy({ policy, ...(plan ? { plan } : {}) });
        }),
      );
      const now = cli.now();
      const text =
        checks.length === 0
          ? `No RegionPolicy in namespace ${client.namespace}.`
          : checks.map((c) => renderCheck(c, now)).join("\n\n");
      cli.out(options.output === "json" ? checkJson(checks) : text);
      cli.setExit(allReady(checks) ? ExitCode.Ok : ExitCode.NotReady);
    });
}
