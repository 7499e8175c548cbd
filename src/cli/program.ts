/** The command tree: global cluster flags, one command per file under commands/. */
import { Command } from "commander";
import { registerApprove } from "./commands/approve.js";
import { registerCheck } from "./commands/check.js";
import { registerDrill } from "./commands/drill.js";
import { registerFailover } from "./commands/failover.js";
import { registerPause } from "./commands/pause.js";
import { registerPlan } from "./commands/plan.js";
import { registerReport } from "./commands/report.js";
import { registerStatus } from "./commands/status.js";
import type { Cli } from "./context.js";
import { cliVersion } from "./version.js";

export function buildProgram(cli: Cli, name = "switchyard"): Command {
  const program = new Command(name)
    .description("Switchyard: multi-region failover for Kubernetes, from the command line")
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: the current context)")
    .option("-n, --namespace <namespace>", "namespace (default: the context's namespace, then default)")
    .version(cliVersion(), "--version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    // Commander's own errors (unknown option, missing argument) throw instead of exiting, so main maps them to 2.
    .exitOverride();
  for (const register of [
    registerStatus,
    registerCheck,
    registerPlan,
    registerFailover,
    registerApprove,
    registerPause,
    registerDrill,
    registerReport,
  ]) {
    register(program, cli);
  }
  program
    .command("version")
    .description("print the version of this command line")
    .action(() => cli.out(cliVersion()));
  return program;
}
