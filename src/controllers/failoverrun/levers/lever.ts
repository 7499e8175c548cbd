/**
 * The contract of a lever: one plan step kind against the world. `prepare` observes and says what the step is going to
 * do (journaled as the step's intent, with the state found as `before`, BEFORE anything changes); `act` changes only
 * what still differs, from what prepare observed or, resumed, from what it observes again. A crash between the two,
 * or during `act`, is resumed by calling `act` again: every lever is idempotent by observation, and the
 * non-idempotent calls (a database promotion) are recognised as already under way. `restore` puts back the recorded `before` for a rollback, again by observation.
 */
import type { BatchOptions } from "../../../actuators/route53/change-batch.js";
import type { FencingLocation } from "../../../actuators/route53/fencing-record.js";
import type { Route53Api } from "../../../actuators/route53/change-batch.js";
import type { RdsApi } from "../../../actuators/aurora/global-cluster.js";
import type { CloudWatchApi } from "../../../actuators/aurora/replication-lag.js";
import type { ConfigMapApi } from "../../../actuators/flags/configmap-flag.js";
import type { ScaleApi } from "../../../actuators/scale/deployment-scale.js";
import type { JobApi } from "../../../actuators/job/run-job.js";
import type { Fetch, SecretApi } from "../../../actuators/webhook/post-webhook.js";
import type { BoundStep } from "../../../core/plan/steps.js";
import type { FailoverRun } from "../../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../../crds/generated/regionpolicies.js";

export type Json = Record<string, unknown>;

export interface LeverDeps {
  route53: Route53Api;
  route53Options: BatchOptions;
  rds: (awsRegion: string) => RdsApi;
  cloudwatch: (awsRegion: string) => CloudWatchApi;
  /**
   * The Kubernetes APIs of a region's cluster for a plan of `namespace`: in this cluster they act as the plan's
   * ServiceAccount `serviceAccountName` (impersonated; undefined is the controller itself, which only a single-tenant
   * install allows); in a peer cluster, as the identity of the region's kubeconfig Secret found in `namespace`.
   */
  configMaps: (region: string, namespace: string, serviceAccountName?: string) => Promise<ConfigMapApi>;
  scales: (region: string, namespace: string, serviceAccountName?: string) => Promise<ScaleApi>;
  jobs: (region: string, namespace: string, serviceAccountName?: string) => Promise<JobApi>;
  /** Secrets of this (the local) cluster, read as the plan's ServiceAccount: webhook tokens */
  secrets: (namespace: string, serviceAccountName?: string) => SecretApi;
  fetch: Fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface LeverContext {
  run: FailoverRun;
  policy: RegionPolicy;
  namespace: string;
  /** The ServiceAccount of `namespace` the steps act as in this cluster; undefined: the controller (single-tenant). */
  serviceAccountName?: string;
  dryRun: boolean;
  /** The plan's timeoutSeconds: how long a move this run makes may stay "in progress" in the fencing record. */
  planTimeoutSeconds?: number;
}

export type LeverResult =
  | { type: "Succeeded"; observed?: Json; message?: string; epoch?: number }
  | { type: "InProgress"; observed?: Json; message?: string }
  | { type: "Failed"; message: string; observed?: Json }
  | { type: "Refused"; reason: string; message: string; intent?: Json };

export interface Prepared<O = never> {
  intent: Json;
  before?: Json;
  /** a guard refused before anything was done */
  refusal?: { reason: string; message: string };
  /**
   * What prepare read of the world, handed to the act of the same attempt so that it need not read it again (each
   * read is a request of a rate-limited API); an act resumed after a restart has none and reads anew.
   */
  observed?: O;
}

export interface Lever<S extends BoundStep = BoundStep, O = unknown> {
  prepare(step: S, ctx: LeverContext): Promise<Prepared<O>>;
  act(step: S, ctx: LeverContext, observed?: O): Promise<LeverResult>;
  /** Put back the state recorded in `before` (rollback); absent for kinds that cannot be undone. */
  restore?(step: S, before: Json, ctx: LeverContext): Promise<LeverResult>;
}

export type StepOf<K extends BoundStep["kind"]> = Extract<BoundStep, { kind: K }>;

export const awsRegionOf = (policy: RegionPolicy, region: string) =>
  policy.spec.regions.find((r) => r.name === region)?.awsRegion ?? region;

export function fencingOf(policy: RegionPolicy): FencingLocation | undefined {
  const route53 = policy.spec.fencing?.route53;
  return route53
    ? { hostedZoneId: route53.hostedZoneId, recordName: route53.recordName, ttlSeconds: route53.ttlSeconds ?? 60 }
    : undefined;
}

/**
 * A step that names another namespace than its plan's is refused (invariant 8). The plan's validation refuses it
 * before any run; this is the levers' own check, in case a plan reaches them some other way.
 */
export function otherNamespace(target: { namespace: string }, ctx: LeverContext): Prepared["refusal"] {
  if (target.namespace === ctx.namespace) return undefined;
  return {
    reason: "NamespaceNotAllowed",
    message: `Namespace "${target.namespace}" is not this plan's namespace "${ctx.namespace}": a plan acts only in its own namespace.`,
  };
}

export const runName = (ctx: LeverContext): string => ctx.run.metadata.name ?? "";

/**
 * The attempt a lever is working for: the step's journal `attempts`. Before the shell has journaled the attempt's
 * Started (in prepare, and in the act that follows it in the same reconcile, which still sees the run as it was),
 * the step is not Running yet and the attempt is the next one; once Running (a resumed act), it is the one recorded.
 */
export function attemptOf(ctx: LeverContext, step: string): number {
  const entry = ctx.run.status?.journal?.find((e) => e.name === step);
  const attempts = entry?.attempts ?? 0;
  return entry?.state === "Running" ? Math.max(attempts, 1) : attempts + 1;
}

/** A person's run that names DataLoss in its override (the CRD allows an override on Manual runs only). */
export function overridesDataLoss(ctx: LeverContext): boolean {
  const override = ctx.run.spec.override;
  return (ctx.run.spec.trigger ?? "Manual") === "Manual" && (override?.invariants ?? []).includes("DataLoss");
}
