/**
 * Route53 weights, and with a fencing record the epoch compare-and-swap (invariant 1): in the same change batch when
 * the record and the weights share a hosted zone, else the swap first in the record's zone and the weights after it,
 * under the epoch won (docs/decisions.md, "A fencing record in its own hosted zone").
 * On the happy path the step costs three Route53 requests: one listing that holds both the weights and the fencing
 * record (read in prepare and handed to act), the batch, and the GetChange that finds it INSYNC.
 */
import type { Change } from "@aws-sdk/client-route-53";
import { submitBatch, waitInsync } from "../../../actuators/route53/change-batch.js";
import {
  fenceIn,
  readFence,
  swapFence,
  type FencingLocation,
  type ObservedFence,
} from "../../../actuators/route53/fencing-record.js";
import { keyOf, readRecordSets } from "../../../actuators/route53/record-sets.js";
import {
  bySetIdentifier,
  observeWeightedRecords,
  planWeights,
  type WeightPlan,
  type WeightTarget,
} from "../../../actuators/route53/weights.js";
import { recordTransition } from "../../../core/dampening/transition-log.js";
import type { FencingRecord, Mover } from "../../../core/plan/fencing.js";
import { guardStep, type GuardInput } from "../../../core/plan/guards.js";
import { planDefaults } from "../../../core/plan/steps.js";
import { resolvePolicy } from "../../../core/policy.js";
import { GuardReason } from "../../../core/plan/reasons.js";
import {
  fencingOf,
  runName,
  type Json,
  type Lever,
  type LeverContext,
  type LeverDeps,
  type LeverResult,
  type StepOf,
} from "./lever.js";

type Route53Step = StepOf<"route53">;

const movers: Record<string, Mover> = { Automatic: "auto", Manual: "manual", Drill: "drill" };

/**
 * The record this run writes when it takes the active region to `to`: the next epoch, with the system's history
 * (invariant 5) counted — whoever made the moves before it. The move stays "in progress" until the run ends, and at
 * the latest for the plan's timeout.
 */
function nextRecord(current: FencingRecord | undefined, to: string, ctx: LeverContext, now: number): FencingRecord {
  return recordTransition(
    current,
    {
      to,
      run: runName(ctx),
      by: movers[ctx.run.spec.trigger ?? "Manual"] ?? "manual",
      now,
      busyForMs: (ctx.planTimeoutSeconds ?? planDefaults.timeoutSeconds) * 1000,
    },
    resolvePolicy(ctx.policy.spec).dampening.flapPenalty,
  );
}

/** For an automatic run: the dampening its traffic step must respect at the compare-and-swap (guard boundedFlapping). */
function automaticOf(ctx: LeverContext, now: number): Pick<GuardInput, "automatic"> {
  if (ctx.run.spec.trigger !== "Automatic") return {};
  const { dampening } = resolvePolicy(ctx.policy.spec);
  return {
    automatic: { run: runName(ctx), holdDownSeconds: dampening.holdDownSeconds, penalty: dampening.flapPenalty, now },
  };
}

/** What the step reads before it decides: the weights to change, and the fencing record to swap. */
interface Observed {
  plan: WeightPlan;
  fence: ObservedFence | undefined;
}

/** The weights and the fencing record, from one listing when they share a zone (record-sets.ts). */
async function observe(deps: LeverDeps, target: WeightTarget, where: FencingLocation | undefined): Promise<Observed> {
  if (!where || !sameZone(where.hostedZoneId, target.hostedZoneId)) {
    const weights = await observeWeightedRecords(deps.route53, target, deps.route53Options);
    const fence = where ? await readFence(deps.route53, where, deps.route53Options) : undefined;
    return { plan: planWeights(target, weights), fence };
  }
  const weightsKey = { name: target.recordName, type: target.type };
  const fenceKey = { name: where.recordName, type: "TXT" };
  const read = await readRecordSets(deps.route53, target.hostedZoneId, [weightsKey, fenceKey], deps.route53Options);
  return {
    plan: planWeights(target, bySetIdentifier(read.get(keyOf(weightsKey)) ?? [])),
    fence: fenceIn(read.get(keyOf(fenceKey)) ?? [], where),
  };
}

export function route53Lever(deps: LeverDeps): Lever<Route53Step, Observed> {
  return {
    async prepare(step, ctx) {
      const where = fencingOf(ctx.policy);
      const observed = await observe(deps, step.route53, where);
      const { plan, fence } = observed;
      const verdict = guardStep(
        {
          step,
          binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
          currentWeights: plan.before,
          ...(fence ? { fencingRecord: fence.record } : {}),
          ...automaticOf(ctx, deps.now()),
          dryRun: ctx.dryRun,
        },
        ctx.run.spec,
      );
      const intent: Json = { weights: step.route53.weights, changes: plan.changes.length };
      if (where)
        intent.fence = {
          from: fence?.record ?? null,
          to: nextRecord(fence?.record, ctx.run.spec.to, ctx, deps.now()),
        };
      if (plan.missing.length > 0) {
        return {
          intent,
          refusal: { reason: "RecordMissing", message: `no weighted record for ${plan.missing.join(", ")}` },
        };
      }
      return {
        intent,
        before: { weights: plan.before },
        ...(verdict.refusal ? { refusal: verdict.refusal } : {}),
        observed,
      };
    },
    async act(step, ctx, prepared) {
      const where = fencingOf(ctx.policy);
      if (!prepared) return actOn(await observe(deps, step.route53, where), step, ctx, deps);
      // What prepare read moments ago serves: the batch DELETEs the fencing record exactly as read, so had anything
      // changed it since, the batch fails whole and nothing moved. That change may be no move at all (the previous
      // run's end clearing "busy" in the same epoch), so the step judges and swaps once more on a fresh read, as an
      // act that read the record itself would have; a real move in between is refused there.
      const result = await actOn(prepared, step, ctx, deps);
      if (result.type !== "Refused" || result.reason !== GuardReason.LostFencingRace) return result;
      return actOn(await observe(deps, step.route53, where), step, ctx, deps);
    },
    async restore(step, before, ctx) {
      const weights = before.weights as Record<string, number> | undefined;
      if (!weights) return { type: "Failed", message: "the journal recorded no weights to restore" };
      const where = fencingOf(ctx.policy);
      const { plan, fence } = await observe(deps, { ...step.route53, weights }, where);
      if (!where) return applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
      // Traffic goes back to the source, so "active" does too, under a new epoch: epochs only ever grow, and the
      // source region's controller un-fences itself when it sees the record name it again.
      if (fence?.record.active === ctx.run.spec.from && fence.record.run === runName(ctx)) {
        return applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
      }
      // Only what this run took is given back: a record someone else has moved on since is theirs.
      if (fence && !(fence.record.active === ctx.run.spec.to && fence.record.run === runName(ctx))) {
        return {
          type: "Failed",
          message: `the fencing record now names ${fence.record.active} at epoch ${fence.record.epoch}, not this run's; traffic is left as it is`,
        };
      }
      return swap(deps, where, fence, ctx.run.spec.from, plan.changes, step.route53.hostedZoneId, ctx);
    },
  };
}

/** The step's act on what was read: the swap (or, for a run that already won, the weights left to move). */
async function actOn(observed: Observed, step: Route53Step, ctx: LeverContext, deps: LeverDeps): Promise<LeverResult> {
  const { plan, fence } = observed;
  const where = fencingOf(ctx.policy);
  if (ctx.dryRun) return { type: "Succeeded", observed: { wouldChange: plan.changes.map(describe) } };
  if (!where) return applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
  if (fence?.record.active === ctx.run.spec.to && fence.record.run === runName(ctx)) {
    // Won before a restart: only weights that still differ remain to be moved.
    const result = await applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
    return result.type === "Succeeded" ? { ...result, epoch: fence.record.epoch } : result;
  }
  // Judged again on the record about to be swapped, at this moment: it says whether an automatic move may go
  // (invariant 5).
  const refusal = guardStep(
    {
      step,
      binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
      ...(fence ? { fencingRecord: fence.record } : {}),
      ...automaticOf(ctx, deps.now()),
    },
    ctx.run.spec,
  ).refusal;
  if (refusal && atSwap.has(refusal.reason)) {
    return { type: "Refused", reason: refusal.reason, message: refusal.message };
  }
  return swap(deps, where, fence, ctx.run.spec.to, plan.changes, step.route53.hostedZoneId, ctx);
}

/** What the step checks again on the record it is about to swap; the weights were judged when it was prepared. */
const atSwap = new Set<string>([
  GuardReason.LostFencingRace,
  GuardReason.HoldDownNotElapsed,
  GuardReason.FlapSuppressed,
  GuardReason.MoveInProgress,
  GuardReason.TargetAlreadyActive,
]);

function describe(change: Change): Json {
  const set = change.ResourceRecordSet;
  return { action: change.Action, name: set?.Name, setIdentifier: set?.SetIdentifier, weight: set?.Weight };
}

async function applyWeights(deps: LeverDeps, zone: string, changes: Change[], ctx: LeverContext): Promise<LeverResult> {
  if (changes.length === 0) return { type: "Succeeded", observed: { changes: 0 } };
  const id = await submitBatch(deps.route53, zone, changes, `switchyard run ${runName(ctx)}`, deps.route53Options);
  await waitInsync(deps.route53, id, deps.route53Options);
  return { type: "Succeeded", observed: { changes: changes.length, changeId: id } };
}

/** Route53 names a zone "Z123" or "/hostedzone/Z123"; both are the same zone. */
const sameZone = (a: string, b: string) => a.replace(/^\/hostedzone\//, "") === b.replace(/^\/hostedzone\//, "");

async function swap(
  deps: LeverDeps,
  where: FencingLocation,
  fence: ObservedFence | undefined,
  active: string,
  changes: Change[],
  weightsZone: string,
  ctx: LeverContext,
): Promise<LeverResult> {
  const next = nextRecord(fence?.record, active, ctx, deps.now());
  // A batch is atomic only within one zone: a record kept apart (a private zone) is swapped alone, first.
  const together = sameZone(where.hostedZoneId, weightsZone);
  const result = await swapFence(deps.route53, where, fence, next, together ? changes : [], deps.route53Options);
  if (!result.won) return { type: "Refused", reason: result.reason, message: result.message };
  const won = { changeId: result.changeId, epoch: result.record.epoch };
  if (together) return { type: "Succeeded", epoch: won.epoch, observed: { changes: changes.length, ...won } };
  // Under the epoch just won. Should this fail or the process die here, the step's next attempt finds the record
  // naming this run and moves only the weights ("won before a restart" in act) — or, once another run has taken the
  // record, is refused by the guards instead of moving traffic under an epoch it no longer holds.
  const moved = await movedUnder(deps, where, weightsZone, changes, ctx);
  if (moved.type !== "Succeeded") return moved;
  return { type: "Succeeded", epoch: won.epoch, observed: { ...moved.observed, fence: won } };
}

/**
 * The weights moved by a run that holds the fencing record in another zone: read the record once more just before, so
 * that traffic only moves while it still names this run (a later winner's swap, in between, stops it here).
 */
async function movedUnder(
  deps: LeverDeps,
  where: FencingLocation,
  zone: string,
  changes: Change[],
  ctx: LeverContext,
): Promise<LeverResult> {
  const fence = await readFence(deps.route53, where, deps.route53Options);
  if (fence?.record.run !== runName(ctx)) {
    return {
      type: "Failed",
      message: `the fencing record now names ${fence?.record.active ?? "no region"} at epoch ${fence?.record.epoch ?? 0} (run ${fence?.record.run ?? "none"}), not this run's; the weights are left as they are`,
    };
  }
  return applyWeights(deps, zone, changes, ctx);
}
