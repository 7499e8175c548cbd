/**
 * Shell helpers shared by the commands that start or follow a run: load a policy with its plan and move, create the
 * run, follow it.
 */
import { activeRegionOf, isFinalPhase, manualRun, type ManualRunRequest } from "../core/runs.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { waitFor, type Cli } from "./context.js";
import { CliError, ExitCode, usageError } from "./exit-codes.js";
import type { SwitchyardClient } from "./kube.js";
import { moveProblem, planProblem } from "./validate.js";

/** Undefined for a 404 (the caller decides whether a missing object is a problem), the error otherwise. */
export async function getOptional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.Usage && / not found$/.test(error.message)) {
      return undefined;
    }
    throw error;
  }
}

export async function loadPolicyAndPlan(
  client: SwitchyardClient,
  name: string,
): Promise<{ policy: RegionPolicy; plan: FailoverPlan }> {
  const policy = await client.get("RegionPolicy", name);
  const ref = policy.spec.automation.failoverPlanRef?.name;
  const plan = ref === undefined ? undefined : await getOptional(() => client.get("FailoverPlan", ref));
  const problem = planProblem(policy, plan);
  if (problem !== undefined || plan === undefined) throw usageError(problem ?? "no plan");
  return { policy, plan };
}

/** The policy, its plan and the move asked for (`from` defaults to the active region), checked before anything is made. */
export async function loadMove(
  client: SwitchyardClient,
  name: string,
  asked: { from?: string; to: string },
): Promise<{ policy: RegionPolicy; plan: FailoverPlan; from: string }> {
  const { policy, plan } = await loadPolicyAndPlan(client, name);
  const from = asked.from ?? activeRegionOf(policy);
  const problem = moveProblem(policy, from, asked.to);
  if (problem !== undefined || from === undefined) throw usageError(problem ?? "--from is required");
  return { policy, plan, from };
}

/** Creates the Manual FailoverRun of a move (checked by loadMove) in the client's namespace; returns its name. */
export async function createManualRun(
  client: SwitchyardClient,
  policy: string,
  move: { plan: FailoverPlan } & Pick<ManualRunRequest, "from" | "to" | "reason" | "dryRun">,
): Promise<string> {
  const { plan, ...request } = move;
  const created = await client.create(
    "FailoverRun",
    manualRun({ ...request, namespace: client.namespace, policy, plan: plan.metadata.name ?? "" }),
  );
  return created.metadata.name ?? "";
}

/**
 * Polls the run until it reaches a final phase, telling stderr about each phase and step it moves through and, once,
 * how to approve a step it waits at.
 */
export async function followRun(
  cli: Cli,
  client: SwitchyardClient,
  name: string,
  timeoutSeconds: number,
): Promise<FailoverRun> {
  let last = "";
  return waitFor(cli, `FailoverRun ${client.namespace}/${name} to finish`, timeoutSeconds, async () => {
    const run = await client.get("FailoverRun", name);
    const phase = run.status?.phase ?? "Pending";
    const step = run.status?.currentStep;
    const seen = `${phase}/${step ?? ""}`;
    if (seen !== last) {
      last = seen;
      cli.err(`${name}: ${phase}${step ? ` at step ${step}` : ""}`);
      if (phase === "WaitingApproval" && step) {
        cli.err(`  approve with: switchyard approve ${name} -n ${client.namespace} --by <you>`);
      }
    }
    return isFinalPhase(phase) ? run : undefined;
  });
}

/** 0 for a run that succeeded, 1 for one that ended any other way; the reason goes to stderr. */
export function exitForRun(cli: Cli, run: FailoverRun): ExitCode {
  const phase = run.status?.phase;
  if (phase === "Succeeded") return ExitCode.Ok;
  const complete = run.status?.conditions?.find((c) => c.type === "Complete");
  cli.err(
    `FailoverRun ${run.metadata.name} ended ${phase}${complete ? ` (${complete.reason}): ${complete.message}` : ""}`,
  );
  return ExitCode.Failed;
}
