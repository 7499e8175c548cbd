/**
 * Aurora Global Database: switchover when the source is healthy, failover with data loss only when it is not and the
 * plan allows it; driven from the target region, only under the epoch the run won (guards.ts). Each call looks once
 * and returns InProgress while Aurora works, so no worker is held for the minutes a switchover takes; what was already
 * called, and the RPO evidence taken before it, are read back from the step's journal entry.
 */
import {
  advancePromotion,
  observeGlobalCluster,
  type PromotionMode,
} from "../../../actuators/aurora/global-cluster.js";
import { replicationLagSeconds, replicationLagSource } from "../../../actuators/aurora/replication-lag.js";
import { readFence } from "../../../actuators/route53/fencing-record.js";
import { dataLossRefusal } from "../../../core/plan/data-loss.js";
import { entryFor } from "../../../core/plan/journal.js";
import { guardStep } from "../../../core/plan/guards.js";
import { parseTime } from "../../../core/time.js";
import {
  awsRegionOf,
  fencingOf,
  overridesDataLoss,
  type Json,
  type Lever,
  type LeverContext,
  type LeverDeps,
  type StepOf,
} from "./lever.js";

type AuroraStep = StepOf<"auroraGlobal">;

/** The DB cluster ARN of the step's target region (bind() checked that the plan names one). */
function memberOf(step: AuroraStep): string {
  const arn = step.auroraGlobal.members[step.auroraGlobal.target];
  if (!arn) throw new Error(`auroraGlobal.members names no DB cluster for ${step.auroraGlobal.target}`);
  return arn;
}

/** What earlier looks of this attempt recorded: the call made, and the RPO evidence taken before it. */
function earlier(step: AuroraStep, ctx: LeverContext): { called?: PromotionMode; rpo?: Json } {
  const observed = entryFor(ctx.run.status?.journal ?? [], step.name)?.observed;
  const called = observed?.called;
  const rpo = observed?.rpo;
  return {
    ...(called === "switchover" || called === "failover" ? { called } : {}),
    ...(rpo && typeof rpo === "object" ? { rpo: rpo as Json } : {}),
  };
}

/**
 * An automatic run is created just before its policy's status records the decision (and the health) behind it; the
 * choice between a switchover and a data-losing failover must be made on that health, not on the status before it.
 */
function decisionRecorded(ctx: LeverContext): boolean {
  if (ctx.run.spec.trigger !== "Automatic") return true;
  const last = ctx.policy.status?.lastDecision;
  if (last?.runRef?.name === ctx.run.metadata.name) return true;
  // A later decision has replaced it: that status is newer still.
  const created = parseTime(ctx.run.metadata.creationTimestamp);
  return created !== undefined && Date.parse(last?.time ?? "") > created;
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
      const awsRegion = awsRegionOf(ctx.policy, ctx.run.spec.to);
      const rds = deps.rds(awsRegion);
      const sourceHealthy =
        ctx.policy.status?.regions?.find((r) => r.name === ctx.run.spec.from)?.health !== "Unhealthy";
      if (!ctx.dryRun && !decisionRecorded(ctx)) {
        return { type: "InProgress", message: "waiting for the policy's status to record the decision of this run" };
      }
      if (ctx.dryRun) {
        const state = await observeGlobalCluster(rds, globalClusterIdentifier);
        return { type: "Succeeded", observed: { writer: state.writer ?? null, wouldPromote: target, sourceHealthy } };
      }
      const before = earlier(step, ctx);
      let rpo = before.rpo;
      const progress = await advancePromotion(rds, globalClusterIdentifier, target, {
        sourceHealthy,
        allowDataLoss: mode === "Auto",
        ...(before.called ? { alreadyCalled: before.called } : {}),
        beforeCall: async (call) => {
          if (call === "switchover") {
            rpo = { seconds: 0, source: "SwitchoverGlobalCluster (no data loss)" };
            return undefined;
          }
          rpo = await lag();
          const refusal = dataLossRefusal({
            ...(typeof rpo?.seconds === "number" ? { lagSeconds: rpo.seconds } : {}),
            ...(ctx.policy.spec.objectives?.rpoSeconds === undefined
              ? {}
              : { rpoSeconds: ctx.policy.spec.objectives.rpoSeconds }),
            gate: step.auroraGlobal.dataLossGate,
            overridden: overridesDataLoss(ctx),
          });
          return refusal && { refused: refusal.reason, message: refusal.message };
        },
      });
      if (progress.type === "refused") {
        return { type: "Refused", reason: progress.reason, message: progress.message, intent: { rpo: rpo ?? null } };
      }
      const called = progress.type === "underWay" && progress.called ? progress.called : before.called;
      const observed: Json = { sourceHealthy, called: called ?? null, ...(rpo ? { rpo } : {}) };
      return progress.type === "done"
        ? { type: "Succeeded", observed: { ...observed, writer: progress.writer } }
        : { type: "InProgress", observed, message: progress.reason };

      async function lag(): Promise<Json | undefined> {
        try {
          const seconds = await replicationLagSeconds(deps.cloudwatch(awsRegion), target, new Date(deps.now()));
          return seconds === undefined ? undefined : { seconds, source: replicationLagSource };
        } catch {
          // Evidence, not a precondition: a failover during an outage must not wait on a metrics API.
          return undefined;
        }
      }
    },
  };
}
