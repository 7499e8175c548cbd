/**
 * A plan step bound to a run: exactly one kind (named by `kind`, and held under the property of the same name, as in
 * the CRD), `{{from}}`/`{{to}}` replaced by region names, and every default of the CRD resolved. The apiserver applies
 * the defaults on write, but plans stored before a default existed and plans built in tests may lack them; resolving
 * them here keeps the engine free of `??`.
 */
import type {
  FailoverPlanSpecStepFlagConfigMapRef,
  FailoverPlanSpecStepScaleDeploymentRef,
} from "../../crds/generated/failoverplans.js";

export const stepKinds = [
  "flag",
  "route53",
  "auroraGlobal",
  "rdsPromoteReplica",
  "scale",
  "job",
  "webhook",
  "waitFor",
  "approval",
] as const;
export type StepKind = (typeof stepKinds)[number];

/** The CRD's step defaults (src/crds/failoverplans.yaml); a unit test checks the two agree. */
export const stepDefaults = {
  bestEffort: false,
  timeoutSeconds: 300,
  retries: { limit: 3, backoffSeconds: 5 },
  onRollback: "Restore",
  route53Type: "CNAME",
  auroraMode: "SwitchoverOnly",
  waitForHealthy: true,
} as const;

/** The CRD's plan-level defaults. */
export const planDefaults = { onFailure: "Halt", timeoutSeconds: 1800, historyLimit: 20 } as const;

/** The two regions a run binds: `{{from}}` and `{{to}}`. */
export interface Binding {
  from: string;
  to: string;
}

export interface Retries {
  /** Retries after the first attempt. */
  limit: number;
  /** Base of the exponential backoff between attempts. */
  backoffSeconds: number;
}

interface StepCommon {
  name: string;
  bestEffort: boolean;
  timeoutSeconds: number;
  retries: Retries;
  onRollback: "Restore" | "None";
}

export interface FlagStep extends StepCommon {
  kind: "flag";
  flag: { region: string; configMapRef: FailoverPlanSpecStepFlagConfigMapRef; key: string; value: string };
}

export interface Route53Step extends StepCommon {
  kind: "route53";
  route53: {
    hostedZoneId: string;
    recordName: string;
    type: "A" | "AAAA" | "CNAME";
    /** Region name → SetIdentifier of that region's weighted record. */
    setIdentifiers: Record<string, string>;
    /** Region name → weight to set; regions not named keep their weight. */
    weights: Record<string, number>;
  };
}

export interface AuroraGlobalStep extends StepCommon {
  kind: "auroraGlobal";
  auroraGlobal: {
    globalClusterIdentifier: string;
    /** Region name → ARN of that region's cluster in the global cluster. */
    members: Record<string, string>;
    mode: "SwitchoverOnly" | "Auto";
    /** Whether a failover with data loss must stay within the RPO objective (data-loss.ts). */
    dataLossGate: "Enforce" | "Off";
    /** The region whose cluster becomes the writer: always the run's `to` (the CRD says so). */
    target: string;
    /** The region the writer moves away from: the run's `from`. */
    source: string;
  };
}

export interface RdsPromoteReplicaStep extends StepCommon {
  kind: "rdsPromoteReplica";
  rdsPromoteReplica: {
    region: string;
    dbInstanceIdentifier?: string;
    dbClusterIdentifier?: string;
    /** Whether the promotion must stay within the RPO objective (data-loss.ts); default Enforce. */
    dataLossGate?: "Enforce" | "Off";
  };
}

export interface ScaleStep extends StepCommon {
  kind: "scale";
  scale: { region: string; deploymentRef: FailoverPlanSpecStepScaleDeploymentRef; replicas: number };
}

export interface JobStep extends StepCommon {
  kind: "job";
  job: { region: string; template: Record<string, unknown> };
}

export interface WebhookStep extends StepCommon {
  kind: "webhook";
  /**
   * Where to POST: a plan-given https URL (no credentials), or a Secret that names the address and the token
   * together, so a token only goes where the Secret's owner said (design invariant 8). The CRD admits exactly one.
   */
  webhook: ({ url: string; secretRef?: never } | { secretRef: { name: string }; url?: never }) & { body: string };
}

export interface WaitForStep extends StepCommon {
  kind: "waitFor";
  waitFor: { signal: string; region: string; healthy: boolean };
}

export interface ApprovalStep extends StepCommon {
  kind: "approval";
  approval: { message: string };
}

export type BoundStep =
  | FlagStep
  | Route53Step
  | AuroraGlobalStep
  | RdsPromoteReplicaStep
  | ScaleStep
  | JobStep
  | WebhookStep
  | WaitForStep
  | ApprovalStep;

export type PromotionStep = AuroraGlobalStep | RdsPromoteReplicaStep;

/** A plan bound to one run. */
export interface BoundPlan {
  binding: Binding;
  steps: BoundStep[];
  onFailure: "Halt" | "Rollback";
  timeoutSeconds: number;
}

/** Steps that make a database writer somewhere. They are never undone automatically, and run only under the epoch. */
export function isPromotion(step: BoundStep): step is PromotionStep {
  return step.kind === "auroraGlobal" || step.kind === "rdsPromoteReplica";
}

/** Steps that move traffic (and, with fencing, carry the epoch change in the same Route53 batch). */
export function movesTraffic(step: BoundStep): step is Route53Step {
  return step.kind === "route53";
}

/** The region a promotion makes the writer. */
export function writerTarget(step: PromotionStep): string {
  return step.kind === "auroraGlobal" ? step.auroraGlobal.target : step.rdsPromoteReplica.region;
}

/**
 * The region whose API the step must reach, for the bestEffort "unreachable region" rule; undefined for steps that
 * talk to a global service (route53) or to no region at all (webhook, approval). An Aurora promotion is driven from
 * the target region, which is the one that must be up.
 */
export function regionOf(step: BoundStep): string | undefined {
  switch (step.kind) {
    case "flag":
      return step.flag.region;
    case "scale":
      return step.scale.region;
    case "job":
      return step.job.region;
    case "waitFor":
      return step.waitFor.region;
    case "rdsPromoteReplica":
      return step.rdsPromoteReplica.region;
    case "auroraGlobal":
      return step.auroraGlobal.target;
    case "route53":
    case "webhook":
    case "approval":
      return undefined;
  }
}

/**
 * Kinds whose effect a rollback can put back from the state recorded before acting. A Job that ran and a webhook
 * that was sent cannot be unsent, waiting and approving change nothing, and a promotion is never undone automatically.
 */
const restorableKinds: ReadonlySet<StepKind> = new Set<StepKind>(["flag", "route53", "scale"]);

export function isRestorable(step: BoundStep): boolean {
  return restorableKinds.has(step.kind);
}

/** What a step is going to do, with templates bound: the journal's `intent` (the shell may add what it observed). */
export function intentOf(step: BoundStep): Record<string, unknown> {
  const { name: _name, bestEffort: _b, timeoutSeconds: _t, retries: _r, onRollback: _o, ...intent } = step;
  return structuredClone(intent);
}
