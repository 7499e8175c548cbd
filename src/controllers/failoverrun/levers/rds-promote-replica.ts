/**
 * RDS read replica promotion (PromoteReadReplica / PromoteReadReplicaDBCluster) for setups without Aurora Global.
 * The call is made at most once, only under the epoch the run won, and only when the replica is observed ready for
 * it; every other look returns InProgress until the replica is standalone and available (read-replica.ts).
 */
import {
  observeReplica,
  promotionCallOf,
  replicaAction,
  replicaTargetOf,
  startReplicaPromotion,
  type ReplicaTarget,
} from "../../../actuators/rds/read-replica.js";
import { replicaLagSeconds, replicaLagSource } from "../../../actuators/aurora/replication-lag.js";
import { readFence } from "../../../actuators/route53/fencing-record.js";
import { dataLossRefusal } from "../../../core/plan/data-loss.js";
import { entryFor } from "../../../core/plan/journal.js";
import { guardStep } from "../../../core/plan/guards.js";
import {
  awsRegionOf,
  fencingOf,
  overridesDataLoss,
  type Lever,
  type LeverContext,
  type LeverDeps,
  type StepOf,
} from "./lever.js";

type ReplicaStep = StepOf<"rdsPromoteReplica">;

const targetOf = (step: ReplicaStep): ReplicaTarget => replicaTargetOf(step.rdsPromoteReplica);

export function rdsPromoteReplicaLever(deps: LeverDeps): Lever<ReplicaStep> {
  /** The fencing guards on what is observed now; `exists` feeds "no writer left" (a replica that is not there). */
  const guard = async (step: ReplicaStep, ctx: LeverContext, exists: boolean) => {
    const where = fencingOf(ctx.policy);
    const fence = where ? await readFence(deps.route53, where, deps.route53Options) : undefined;
    return guardStep(
      {
        step,
        binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
        observedMembers: exists ? [step.rdsPromoteReplica.region] : [],
        ...(ctx.run.status?.epoch !== undefined ? { runEpoch: ctx.run.status.epoch } : {}),
        ...(fence ? { fencingRecord: fence.record } : {}),
        dryRun: ctx.dryRun,
      },
      ctx.run.spec,
    );
  };
  const rdsOf = (step: ReplicaStep, ctx: LeverContext) =>
    deps.rds(awsRegionOf(ctx.policy, step.rdsPromoteReplica.region));
  /** The replica's lag, or undefined when CloudWatch cannot tell (then the gate, where it applies, refuses). */
  const replicaLag = async (step: ReplicaStep, ctx: LeverContext, target: ReplicaTarget) => {
    try {
      const region = awsRegionOf(ctx.policy, step.rdsPromoteReplica.region);
      return await replicaLagSeconds(deps.cloudwatch(region), target, new Date(deps.now()));
    } catch {
      return undefined;
    }
  };

  return {
    async prepare(step, ctx) {
      const target = targetOf(step);
      const state = await observeReplica(rdsOf(step, ctx), target);
      const verdict = await guard(step, ctx, state !== undefined);
      const action = state ? replicaAction(state) : undefined;
      return {
        intent: {
          region: step.rdsPromoteReplica.region,
          awsRegion: awsRegionOf(ctx.policy, step.rdsPromoteReplica.region),
          [target.kind === "instance" ? "dbInstanceIdentifier" : "dbClusterIdentifier"]: target.identifier,
          call: promotionCallOf(target),
          alreadyStandalone: action?.type === "done",
        },
        before: state ? { status: state.status, source: state.source ?? null } : { exists: false },
        ...(verdict.refusal ? { refusal: verdict.refusal } : {}),
      };
    },
    async act(step, ctx) {
      const target = targetOf(step);
      const rds = rdsOf(step, ctx);
      const call = promotionCallOf(target);
      // Evidence kept across looks: a later look cannot tell from AWS who made the call.
      const calledBefore = entryFor(ctx.run.status?.journal ?? [], step.name)?.observed?.called === call;
      const state = await observeReplica(rds, target);
      if (!state) return { type: "Failed", message: `${target.kind} ${target.identifier} does not exist` };
      const action = replicaAction(state);
      const observed = { status: state.status, source: state.source ?? null, called: calledBefore ? call : null };
      switch (action.type) {
        case "done":
          return { type: "Succeeded", observed, message: `${target.identifier} is standalone and available` };
        case "wait":
          return { type: "InProgress", observed, message: action.reason };
        case "fail":
          return { type: "Failed", observed, message: action.reason };
        case "call":
          break;
      }
      if (ctx.dryRun) return { type: "Succeeded", observed: { ...observed, wouldCall: call } };
      // Accepted earlier but not visible yet: a second call could start a second promotion, so only wait.
      if (calledBefore)
        return { type: "InProgress", observed, message: `${call} was accepted; waiting for it to show` };
      // Time may have passed since prepare (a resumed step): the epoch must still be this run's at the call itself.
      const verdict = await guard(step, ctx, true);
      if (verdict.refusal) return { type: "Refused", reason: verdict.refusal.reason, message: verdict.refusal.message };
      // A replica is asynchronous: whatever it has not applied yet is lost with the old source (invariant 7).
      const lag = await replicaLag(step, ctx, target);
      const gate = dataLossRefusal({
        ...(lag === undefined ? {} : { lagSeconds: lag }),
        ...(ctx.policy.spec.objectives?.rpoSeconds === undefined
          ? {}
          : { rpoSeconds: ctx.policy.spec.objectives.rpoSeconds }),
        gate: step.rdsPromoteReplica.dataLossGate ?? "Enforce",
        overridden: overridesDataLoss(ctx),
      });
      const rpo = { seconds: lag ?? null, source: replicaLagSource(target.kind) };
      if (gate) return { type: "Refused", reason: gate.reason, message: gate.message, intent: { rpo } };
      const answer = await startReplicaPromotion(rds, target);
      return answer === "called"
        ? { type: "InProgress", observed: { ...observed, called: call }, message: `${call} accepted` }
        : { type: "InProgress", observed, message: `${target.identifier} is busy; looking again` };
    },
  };
}
