/**
 * One plan step against the world: `prepare` observes and says what the step is going to do (journaled as the step's
 * intent, with the state found as `before`, BEFORE anything changes); `act` re-observes and changes only what still
 * differs. A crash between the two, or during `act`, is resumed by calling `act` again: every lever is idempotent by
 * observation, and the one non-idempotent call (a database promotion) is recognised as already under way.
 */
import type { Change } from "@aws-sdk/client-route-53";
import { promote, observeGlobalCluster, type RdsApi } from "../../actuators/aurora/global-cluster.js";
import { setFlag, type ConfigMapApi } from "../../actuators/flags/configmap-flag.js";
import { submitBatch, waitInsync, type BatchOptions } from "../../actuators/route53/change-batch.js";
import {
  readFence,
  swapFence,
  type FencingLocation,
  type ObservedFence,
} from "../../actuators/route53/fencing-record.js";
import { observeWeightedRecords, planWeights, type Route53Api } from "../../actuators/route53/weights.js";
import { scaleDeployment, type ScaleApi } from "../../actuators/scale/deployment-scale.js";
import { guardStep } from "../../core/plan/guards.js";
import { nextFencingRecord } from "../../core/plan/fencing.js";
import type { BoundStep } from "../../core/plan/steps.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";

type Json = Record<string, unknown>;

export interface LeverDeps {
  route53: Route53Api;
  route53Options: BatchOptions;
  rds: (awsRegion: string) => RdsApi;
  configMaps: (region: string, namespace: string) => Promise<ConfigMapApi>;
  scales: (region: string, namespace: string) => Promise<ScaleApi>;
  sleep: (ms: number) => Promise<void>;
}

export interface LeverContext {
  run: FailoverRun;
  policy: RegionPolicy;
  namespace: string;
  dryRun: boolean;
}

export type LeverResult =
  | { type: "Succeeded"; observed?: Json; message?: string; epoch?: number }
  | { type: "InProgress"; observed?: Json; message?: string }
  | { type: "Failed"; message: string; observed?: Json }
  | { type: "Refused"; reason: string; message: string; intent?: Json };

export interface Prepared {
  intent: Json;
  before?: Json;
  /** a guard refused before anything was done */
  refusal?: { reason: string; message: string };
}

export interface Lever {
  prepare(step: BoundStep, ctx: LeverContext): Promise<Prepared>;
  act(step: BoundStep, ctx: LeverContext): Promise<LeverResult>;
}

const awsRegionOf = (policy: RegionPolicy, region: string) =>
  policy.spec.regions.find((r) => r.name === region)?.awsRegion ?? region;

function fencingOf(policy: RegionPolicy): FencingLocation | undefined {
  const route53 = policy.spec.fencing?.route53;
  return route53
    ? { hostedZoneId: route53.hostedZoneId, recordName: route53.recordName, ttlSeconds: route53.ttlSeconds ?? 60 }
    : undefined;
}

export function levers(deps: LeverDeps): Partial<Record<BoundStep["kind"], Lever>> {
  const weightTarget = (step: Extract<BoundStep, { kind: "route53" }>) => ({ ...step.route53 });

  const route53: Lever = {
    async prepare(step, ctx) {
      if (step.kind !== "route53") throw new Error("route53 lever got another step");
      const target = weightTarget(step);
      const observed = await observeWeightedRecords(deps.route53, target, deps.route53Options.acquire);
      const plan = planWeights(target, observed);
      const where = fencingOf(ctx.policy);
      const fence = where ? await readFence(deps.route53, where, deps.route53Options) : undefined;
      const verdict = guardStep(
        {
          step,
          binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
          currentWeights: plan.before,
          ...(fence ? { fencingRecord: fence.record } : {}),
          dryRun: ctx.dryRun,
        },
        ctx.run.spec,
      );
      const intent: Json = { weights: step.route53.weights, changes: plan.changes.length };
      if (where)
        intent.fence = {
          from: fence?.record ?? null,
          to: nextFencingRecord(fence?.record, ctx.run.spec.to, runName(ctx)),
        };
      if (plan.missing.length > 0) {
        return {
          intent,
          refusal: { reason: "RecordMissing", message: `no weighted record for ${plan.missing.join(", ")}` },
        };
      }
      return { intent, before: { weights: plan.before }, ...(verdict.refusal ? { refusal: verdict.refusal } : {}) };
    },
    async act(step, ctx) {
      if (step.kind !== "route53") throw new Error("route53 lever got another step");
      const target = weightTarget(step);
      const plan = planWeights(target, await observeWeightedRecords(deps.route53, target, deps.route53Options.acquire));
      const where = fencingOf(ctx.policy);
      if (ctx.dryRun) return { type: "Succeeded", observed: { wouldChange: plan.changes.map(describe) } };
      if (!where) return applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
      const fence = await readFence(deps.route53, where, deps.route53Options);
      if (fence?.record.active === ctx.run.spec.to && fence.record.run === runName(ctx)) {
        // Won before a restart: only weights that still differ remain to be moved.
        const result = await applyWeights(deps, step.route53.hostedZoneId, plan.changes, ctx);
        return result.type === "Succeeded" ? { ...result, epoch: fence.record.epoch } : result;
      }
      return swap(deps, where, fence, plan.changes, ctx);
    },
  };

  const flag: Lever = {
    async prepare(step, ctx) {
      if (step.kind !== "flag") throw new Error("flag lever got another step");
      const target = flagTarget(step, ctx);
      const api = await deps.configMaps(step.flag.region, ctx.namespace);
      const found = await setFlag(api, target, true);
      return { intent: { ...target }, before: { value: found.before ?? null } };
    },
    async act(step, ctx) {
      if (step.kind !== "flag") throw new Error("flag lever got another step");
      const api = await deps.configMaps(step.flag.region, ctx.namespace);
      const outcome = await setFlag(api, flagTarget(step, ctx), ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before ?? null } };
    },
  };

  const scale: Lever = {
    async prepare(step, ctx) {
      if (step.kind !== "scale") throw new Error("scale lever got another step");
      const api = await deps.scales(step.scale.region, ctx.namespace);
      const found = await scaleDeployment(api, scaleTarget(step, ctx), true);
      return { intent: { ...scaleTarget(step, ctx) }, before: { replicas: found.before } };
    },
    async act(step, ctx) {
      if (step.kind !== "scale") throw new Error("scale lever got another step");
      const api = await deps.scales(step.scale.region, ctx.namespace);
      const outcome = await scaleDeployment(api, scaleTarget(step, ctx), ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before } };
    },
  };

  const auroraGlobal: Lever = {
    async prepare(step, ctx) {
      if (step.kind !== "auroraGlobal") throw new Error("aurora lever got another step");
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
      if (step.kind !== "auroraGlobal") throw new Error("aurora lever got another step");
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

  const waitFor: Lever = {
    prepare(step) {
      if (step.kind !== "waitFor") throw new Error("waitFor lever got another step");
      return Promise.resolve({ intent: { ...step.waitFor } });
    },
    act(step, ctx) {
      if (step.kind !== "waitFor") throw new Error("waitFor lever got another step");
      const { signal, region, healthy } = step.waitFor;
      const seen = ctx.policy.status?.signals?.find((s) => s.name === signal && s.region === region)?.health;
      const wanted = healthy ? "Healthy" : "Unhealthy";
      return Promise.resolve(
        seen === wanted
          ? { type: "Succeeded", observed: { health: seen } }
          : {
              type: "InProgress",
              observed: { health: seen ?? "Unknown" },
              message: `waiting for ${signal}@${region} ${wanted}`,
            },
      );
    },
  };

  const approval: Lever = {
    prepare(step) {
      if (step.kind !== "approval") throw new Error("approval lever got another step");
      return Promise.resolve({ intent: { message: step.approval.message } });
    },
    act(_step, ctx) {
      return Promise.resolve({ type: "Succeeded", observed: { approvals: ctx.run.spec.approvals?.length ?? 0 } });
    },
  };

  return { route53, flag, scale, auroraGlobal, waitFor, approval };
}

/** The DB cluster ARN of the step's target region (bind() checked that the plan names one). */
function memberOf(step: Extract<BoundStep, { kind: "auroraGlobal" }>): string {
  const arn = step.auroraGlobal.members[step.auroraGlobal.target];
  if (!arn) throw new Error(`auroraGlobal.members names no DB cluster for ${step.auroraGlobal.target}`);
  return arn;
}

function runName(ctx: LeverContext): string {
  return ctx.run.metadata.name ?? "";
}

function describe(change: Change): Json {
  const set = change.ResourceRecordSet;
  return { action: change.Action, name: set?.Name, setIdentifier: set?.SetIdentifier, weight: set?.Weight };
}

function flagTarget(step: Extract<BoundStep, { kind: "flag" }>, ctx: LeverContext) {
  return {
    namespace: step.flag.configMapRef.namespace ?? ctx.namespace,
    name: step.flag.configMapRef.name,
    key: step.flag.key,
    value: step.flag.value,
  };
}

function scaleTarget(step: Extract<BoundStep, { kind: "scale" }>, ctx: LeverContext) {
  return {
    namespace: step.scale.deploymentRef.namespace ?? ctx.namespace,
    name: step.scale.deploymentRef.name,
    replicas: step.scale.replicas,
  };
}

async function applyWeights(deps: LeverDeps, zone: string, changes: Change[], ctx: LeverContext): Promise<LeverResult> {
  if (changes.length === 0) return { type: "Succeeded", observed: { changes: 0 } };
  const id = await submitBatch(deps.route53, zone, changes, `switchyard run ${runName(ctx)}`, deps.route53Options);
  await waitInsync(deps.route53, id, deps.route53Options);
  return { type: "Succeeded", observed: { changes: changes.length, changeId: id } };
}

async function swap(
  deps: LeverDeps,
  where: FencingLocation,
  fence: ObservedFence | undefined,
  changes: Change[],
  ctx: LeverContext,
): Promise<LeverResult> {
  const next = nextFencingRecord(fence?.record, ctx.run.spec.to, runName(ctx));
  const result = await swapFence(deps.route53, where, fence, next, changes, deps.route53Options);
  if (!result.won) return { type: "Refused", reason: result.reason, message: result.message };
  return {
    type: "Succeeded",
    epoch: result.record.epoch,
    observed: { changes: changes.length, changeId: result.changeId, epoch: result.record.epoch },
  };
}
