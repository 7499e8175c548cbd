/**
 * Invariant guards: named pure checks that the shell runs just before a step acts, on what it observed a moment ago
 * (cert-manager's policy chain: one check per problem, each answering a refusal or nothing). A refusal is final for
 * the step (retrying would meet the same world); a Manual run may carry spec.override listing the invariants it may
 * break, and then exactly those guards are bypassed and every bypass is reported so the shell logs it and emits an
 * Event: an override is allowed, a silent one is not.
 */
import type { FailoverRunSpec } from "../../crds/generated/failoverruns.js";
import { automaticMoveRefusal, type MoveRefusalReason } from "../dampening/transition-log.js";
import type { PenaltyConfig } from "../dampening/flap-penalty.js";
import type { FencingRecord } from "./fencing.js";
import { GuardReason } from "./reasons.js";
import { isPromotion, movesTraffic, writerTarget, type Binding, type BoundStep, type Route53Step } from "./steps.js";

/** The invariants an override may name (FailoverRun spec.override.invariants). */
export type Invariant = "NeverZero" | "Fencing" | "DataLoss" | "BoundedFlapping";

export interface Refusal {
  reason: GuardReason;
  /** The invariant the step would break, i.e. what an override must name to bypass this refusal. */
  invariant: Invariant;
  step: string;
  message: string;
}

export interface GuardInput {
  step: BoundStep;
  binding: Binding;
  /** Weights observed now, by region name. A region without an observed weight counts as 0. */
  currentWeights?: Readonly<Record<string, number | undefined>>;
  /**
   * Regions where the database has a member that can become the writer, as observed now (Aurora: the global
   * cluster's members; RDS: the replica). Undefined when not observed: the plan's own member list is trusted.
   */
  observedMembers?: readonly string[];
  /** status.epoch of the run: the epoch it won, unset before fencing and in a dry run. */
  runEpoch?: number;
  /** The fencing record as read before acting; undefined when it does not exist or could not be read. */
  fencingRecord?: FencingRecord;
  dryRun?: boolean;
  /** Set for an automatic run only: the dampening its traffic step must respect at the compare-and-swap itself. */
  automatic?: { run: string; holdDownSeconds: number; penalty: PenaltyConfig; now: number };
}

export type Guard = (input: GuardInput) => Refusal | undefined;

/**
 * The weights a route53 step leaves behind: its own weights over the observed ones, for every region it manages.
 * Unknown counts as 0, so a step is never allowed on the hope that an unobserved record carries traffic.
 */
export function resultingWeights(
  step: Route53Step,
  current: Readonly<Record<string, number | undefined>> = {},
): Record<string, number> {
  const regions = new Set([...Object.keys(step.route53.setIdentifiers), ...Object.keys(step.route53.weights)]);
  const result: Record<string, number> = {};
  for (const region of regions) result[region] = step.route53.weights[region] ?? current[region] ?? 0;
  return result;
}

const show = (weights: Record<string, number>): string =>
  Object.entries(weights)
    .map(([region, weight]) => `${region}=${weight}`)
    .join(", ") || "none";

/** Invariant 4, traffic: the resulting weights must leave some region above 0. */
export const neverZeroWeights: Guard = ({ step, currentWeights }) => {
  if (step.kind !== "route53") return undefined;
  const result = resultingWeights(step, currentWeights);
  if (Object.values(result).some((w) => w > 0)) return undefined;
  return {
    reason: GuardReason.NeverZeroWeights,
    invariant: "NeverZero",
    step: step.name,
    message: `Step ${step.name} would leave every region at weight 0 (${show(result)}) on ${step.route53.recordName}.`,
  };
};

/**
 * Invariant 4, writer: a promotion must make a writer in the region the run makes active, out of a member that exists.
 * A target that is not a member promotes nothing; a target other than `to` moves traffic to a region with no writer.
 */
export const noWriterLeft: Guard = ({ step, binding, observedMembers }) => {
  if (!isPromotion(step)) return undefined;
  const target = writerTarget(step);
  const refuse = (message: string): Refusal => ({
    reason: GuardReason.NoWriterLeft,
    invariant: "NeverZero",
    step: step.name,
    message,
  });
  if (step.kind === "auroraGlobal" && step.auroraGlobal.members[target] === undefined) {
    return refuse(
      `Step ${step.name} promotes ${target}, which has no member in global cluster ${step.auroraGlobal.globalClusterIdentifier}; ${target} would be left without a writer.`,
    );
  }
  if (observedMembers !== undefined && !observedMembers.includes(target)) {
    return refuse(
      `Step ${step.name} promotes ${target}, but the database has no member there now (members: ${observedMembers.join(", ") || "none"}); ${target} would be left without a writer.`,
    );
  }
  if (target !== binding.to) {
    return refuse(
      `Step ${step.name} makes the writer in ${target}, but the run makes ${binding.to} active; ${binding.to} would be left without a writer.`,
    );
  }
  return undefined;
};

/**
 * Invariant 1: a database is promoted only under the epoch this run won, and only while the record still holds it.
 * Not applied in a dry run, which takes no epoch and promotes nothing.
 */
export const fencingEpoch: Guard = ({ step, binding, runEpoch, fencingRecord, dryRun }) => {
  if (!isPromotion(step) || dryRun === true) return undefined;
  const refuse = (reason: GuardReason, message: string): Refusal => ({
    reason,
    invariant: "Fencing",
    step: step.name,
    message,
  });
  if (runEpoch === undefined) {
    return refuse(
      GuardReason.FencingEpochNotWon,
      `Step ${step.name} promotes a database, but this run has not won a fencing epoch (status.epoch is unset).`,
    );
  }
  if (fencingRecord === undefined) {
    return refuse(
      GuardReason.FencingRecordUnknown,
      `Step ${step.name} promotes a database under epoch ${runEpoch}, but the fencing record could not be read to confirm it.`,
    );
  }
  if (fencingRecord.epoch !== runEpoch || fencingRecord.active !== binding.to) {
    return refuse(
      GuardReason.FencingEpochSuperseded,
      `Step ${step.name} promotes a database under epoch ${runEpoch} for ${binding.to}, but the fencing record now names ` +
        `${fencingRecord.active} at epoch ${fencingRecord.epoch}.`,
    );
  }
  return undefined;
};

/**
 * Invariant 1, before the compare-and-swap: a traffic move takes "active" from the run's `from` to its `to`. The CAS
 * alone only stops two batches built on the same read; a run decided a moment after another, towards a different
 * region, would read the winner's record and swap on top of it, taking its epoch while the winner may already have
 * promoted. A record naming `to` is fine: this run's own win (resuming after a crash), or another run towards the
 * same region (a person's failover overtaking a drill), whose database work then converges on the same writer.
 * Not applied in a dry run, or when there is no record yet (the first swap creates it).
 */
export const fencingSource: Guard = ({ step, binding, fencingRecord, dryRun }) => {
  if (!movesTraffic(step) || dryRun === true || fencingRecord === undefined) return undefined;
  if (fencingRecord.active === binding.from || fencingRecord.active === binding.to) return undefined;
  return {
    reason: GuardReason.LostFencingRace,
    invariant: "Fencing",
    step: step.name,
    message:
      `Step ${step.name} moves the active region from ${binding.from} to ${binding.to}, but the fencing record names ` +
      `${fencingRecord.active} at epoch ${fencingRecord.epoch}${fencingRecord.run ? ` (run ${fencingRecord.run})` : ""}: ` +
      `another run moved it since this one was decided. Nothing was changed.`,
  };
};

/**
 * Invariant 1 after the swap: once a run has won its epoch, each of its later steps (flags, scale, Jobs, webhooks: an
 * unfreeze, say) acts only while the record still holds that epoch for `to`. A run superseded by a later move must
 * stop where it is, or its own unfreeze makes a second writer beside the region that won after it. Traffic and
 * promotion steps have guards of their own; nothing applies before the epoch is won, or in a dry run.
 */
export const epochStillHeld: Guard = ({ step, binding, runEpoch, fencingRecord, dryRun }) => {
  if (runEpoch === undefined || dryRun === true || movesTraffic(step) || isPromotion(step)) return undefined;
  if (fencingRecord !== undefined && fencingRecord.epoch === runEpoch && fencingRecord.active === binding.to) {
    return undefined;
  }
  const now =
    fencingRecord === undefined
      ? "the fencing record could not be read to confirm it"
      : `the fencing record now names ${fencingRecord.active} at epoch ${fencingRecord.epoch}`;
  return {
    reason: GuardReason.FencingEpochSuperseded,
    invariant: "Fencing",
    step: step.name,
    message: `Step ${step.name} belongs to a run that won epoch ${runEpoch} for ${binding.to}, but ${now}: a later move superseded it, so it stops here.`,
  };
};

const dampeningReasons: Record<MoveRefusalReason, GuardReason> = {
  HoldDown: GuardReason.HoldDownNotElapsed,
  FlapSuppressed: GuardReason.FlapSuppressed,
  MoveInProgress: GuardReason.MoveInProgress,
  TargetAlreadyActive: GuardReason.TargetAlreadyActive,
};

/**
 * Invariant 5 at the compare-and-swap: the decision rested on a cached record, seconds old, and another region's
 * controller may have moved since; the record this step is about to swap is the one that tells. Only automatic runs:
 * a person's run may skip hold-down (it is still recorded in the same history). This run's own epoch (a resume) is
 * never held against it.
 */
export const boundedFlapping: Guard = ({ step, binding, fencingRecord, dryRun, automatic }) => {
  if (!movesTraffic(step) || dryRun === true || automatic === undefined) return undefined;
  const refusal = automaticMoveRefusal({ record: fencingRecord, to: binding.to, ...automatic });
  if (refusal === undefined) return undefined;
  return {
    reason: dampeningReasons[refusal.reason],
    invariant: "BoundedFlapping",
    step: step.name,
    message: `Step ${step.name} would make an automatic transition, but ${refusal.message}. Nothing was changed.`,
  };
};

/** Every step guard, in the order their refusals are reported. */
export const stepGuards: readonly Guard[] = [
  neverZeroWeights,
  noWriterLeft,
  fencingEpoch,
  fencingSource,
  boundedFlapping,
];

/**
 * Static part of "no writer left", for a whole plan before a run starts: every promotion must pass noWriterLeft on
 * the plan's own data, and must not be bestEffort, because a skipped promotion lets the run succeed with traffic in
 * `to` and the writer behind.
 */
export function planLeavesNoWriter(steps: readonly BoundStep[], binding: Binding): (Refusal & { field: string })[] {
  const refusals: (Refusal & { field: string })[] = [];
  for (const step of steps) {
    if (!isPromotion(step)) continue;
    const refusal = noWriterLeft({ step, binding });
    if (refusal !== undefined) refusals.push({ ...refusal, field: step.kind });
    if (step.bestEffort) {
      refusals.push({
        field: "bestEffort",
        reason: GuardReason.NoWriterLeft,
        invariant: "NeverZero",
        step: step.name,
        message: `Step ${step.name} promotes a database but is bestEffort: if it fails the run moves on, and ${binding.to} is left without a writer.`,
      });
    }
  }
  return refusals;
}

export type OverrideRun = Pick<FailoverRunSpec, "trigger" | "override">;

export interface OverrideResult<T> {
  /** What still stands after the override. */
  kept: T[];
  /** What the override bypassed: the shell logs each one and emits an Event. */
  bypassed: T[];
  /** The override's reason, for those logs, when anything was bypassed. */
  overrideReason?: string;
  /** Set when the run carries an override that cannot apply (not a Manual run): the shell reports it too. */
  overrideIgnored?: string;
}

/**
 * Invariant 6, "humans win" within limits: only a Manual run's override counts (the CRD's trigger defaults to
 * Manual), and it bypasses exactly the items whose invariant it lists. Items with no invariant (a plan naming an
 * unknown region, say) are never bypassed: an override is for knowing better than a guard, not for a broken plan.
 */
export function applyOverride<T extends { invariant?: Invariant }>(
  items: readonly T[],
  run: OverrideRun,
): OverrideResult<T> {
  const override = run.override;
  if (override === undefined) return { kept: [...items], bypassed: [] };
  const trigger = run.trigger ?? "Manual";
  if (trigger !== "Manual") {
    return {
      kept: [...items],
      bypassed: [],
      overrideIgnored: `spec.override is ignored: only a Manual run may override an invariant, and this run's trigger is ${trigger}.`,
    };
  }
  const allowed = new Set<Invariant>(override.invariants);
  const bypassed = items.filter((i) => i.invariant !== undefined && allowed.has(i.invariant));
  const kept = items.filter((i) => !bypassed.includes(i));
  return bypassed.length > 0 ? { kept, bypassed, overrideReason: override.reason } : { kept, bypassed };
}

export interface GuardVerdict extends Omit<OverrideResult<Refusal>, "kept"> {
  /** The first refusal that stands; undefined means the step may act. */
  refusal?: Refusal;
}

/** Every guard on one step, then the override: the first refusal left standing wins, every bypass is reported. */
export function guardStep(input: GuardInput, run: OverrideRun): GuardVerdict {
  const refusals = stepGuards.map((guard) => guard(input)).filter((r): r is Refusal => r !== undefined);
  const { kept, ...rest } = applyOverride(refusals, run);
  return kept[0] === undefined ? rest : { ...rest, refusal: kept[0] };
}
