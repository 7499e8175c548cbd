/**
 * Aurora Global Database: switchover when the source is healthy, failover with data loss only when it is not and the
 * plan allows it; driven from the target region, only under the epoch the run won (guards.ts).
 */
import { observeGlobalCluster, promote } from "../../../actuators/aurora/global-cluster.js";
import { readFence } from "../../../actuators/route53/fencing-record.js";
import { guardStep } from "../../../core/plan/guards.js";
import { awsRegionOf, fencingOf, type Lever, type LeverDeps, type StepOf } from "./lever.js";

type AuroraStep = StepOf<"auroraGlobal">;

/** The DB cluster ARN of the step's target region (bind() checked that the plan names one). */
function memberOf(step: AuroraStep): string {
  const arn = step.auroraGlobal.members[step.auroraGlobal.target];
  if (!arn) throw new Error(`auroraGlobal.members names no DB cluster for ${step.auroraGlobal.target}`);
  return arn;
}

export function auroraGlobalLever(deps: LeverDeps): Lever<AuroraStep> {
  return {
    async prepare(step, ctx) {
      const { globalClusterIdentifier } = step.auroraGlobal;
      const target = memberOf(step);
      const rds = deps.rds(awsRegionOf(ctx.policy, ctx.run.spec.to));
      const state = await observeGlobalCluster(rds, globalClusterIdentifier);
      const where = fencingOf(ctx.policy);
      const fence = where ? await readFence(deps.route53, where, deps.route53Options) : undefined;
      const verdict = guardStep(
        {
          step,
          binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
          ...(ctx.run.status?.epoch !== undefined ? { runEpoch: ctx.run.status.epoch } : {}),
          ...(fence ? { fencingRecord: fence.record } : {}),
          dryRun: ctx.dryRun,
        },
        ctx.run.spec,
      );
      return {
        intent: { globalClusterIdentifier, target, mode: step.auroraGlobal.mode },
        before: { writer: state.writer ?? null },
        ...(verdict.refusal ? { refusal: verdict.refusal } : {}),
      };
    },
    async act(step, ctx) {
      const { globalClusterIdentifier, mode } = step.auroraGlobal;
      const target = memberOf(step);
      const rds = deps.rds(awsRegionOf(ctx.policy, ctx.run.spec.to));
      const sourceHealthy =
        ctx.policy.status?.regions?.find((r) => r.name === ctx.run.spec.from)?.health !== "Unhealthy";
      if (ctx.dryRun) {
        const state = await observeGlobalCluster(rds, globalClusterIdentifier);
        return { type: "Succeeded", observed: { writer: state.writer ?? null, wouldPromote: target, sourceHealthy } };
      }
      const result = await promote(rds, globalClusterIdentifier, target, {
        sourceHealthy,
        allowDataLoss: mode === "Auto",
        beforeCall: () => Promise.resolve(),
        sleep: deps.sleep,
        pollIntervalMs: 1000,
        timeoutMs: step.timeoutSeconds * 1000,
      });
      return { type: "Succeeded", observed: { writer: result.writer, called: result.called ?? null, sourceHealthy } };
    },
  };
}
