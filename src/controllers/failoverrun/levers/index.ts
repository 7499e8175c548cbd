/** Every lever of this controller version, by step kind. A kind missing here is refused as StepKindNotSupported. */
import type { BoundStep } from "../../../core/plan/steps.js";
import { approvalLever } from "./approval.js";
import { auroraGlobalLever } from "./aurora-global.js";
import { whileEpochHeld } from "./epoch-held.js";
import { flagLever } from "./flag.js";
import { jobLever } from "./job.js";
import type { Lever, LeverDeps, StepOf } from "./lever.js";
import { rdsPromoteReplicaLever } from "./rds-promote-replica.js";
import { route53Lever } from "./route53.js";
import { scaleLever } from "./scale.js";
import { waitForLever } from "./wait-for.js";
import { webhookLever } from "./webhook.js";

export type Levers = { [K in BoundStep["kind"]]?: Lever<StepOf<K>> };

export function levers(deps: LeverDeps): Levers {
  return {
    route53: route53Lever(deps),
    flag: whileEpochHeld(flagLever(deps), deps),
    scale: whileEpochHeld(scaleLever(deps), deps),
    auroraGlobal: auroraGlobalLever(deps),
    rdsPromoteReplica: rdsPromoteReplicaLever(deps),
    job: whileEpochHeld(jobLever(deps), deps),
    webhook: whileEpochHeld(webhookLever(deps), deps),
    waitFor: waitForLever(),
    approval: approvalLever(),
  };
}

/** The lever for a step, typed for that step. */
export function leverFor(all: Levers, step: BoundStep): Lever | undefined {
  return all[step.kind];
}

export type { Lever, LeverContext, LeverDeps, LeverResult } from "./lever.js";
