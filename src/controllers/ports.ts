/**
 * What the controllers need from the outside world, as narrow interfaces. The runtime provides the real ones (over
 * the Kubernetes API); nothing here knows about HTTP or client libraries.
 */
import type { Decision } from "../core/decision/decide.js";
import type { Evaluation } from "../core/evaluate.js";
import { apiVersion } from "../crds/definitions.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../crds/generated/regionpolicies.js";

/** The reference an Event names, for one of our objects. */
export function objectRef(
  kind: string,
  object: { metadata: { namespace?: string; name?: string; uid?: string } },
): ObjectRef {
  return {
    apiVersion,
    kind,
    namespace: object.metadata.namespace ?? "default",
    name: object.metadata.name ?? "",
    ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
  };
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** Reads come from informer caches; writes go to the API server. */
export interface SwitchyardStore {
  policy(namespace: string, name: string): RegionPolicy | undefined;
  plan(namespace: string, name: string): FailoverPlan | undefined;
  runsOf(namespace: string, policy: string): FailoverRun[];
  /**
   * Writes a RegionPolicy's status as a merge patch conditioned on the resourceVersion it was computed from; throws a
   * ConflictError when the object changed meanwhile (the reconcile is then retried with fresh data).
   */
  writePolicyStatus(policy: RegionPolicy, status: RegionPolicyStatus): Promise<void>;
  /** Creates a run; "exists" when a run of that name is already there (creation is idempotent by name). */
  createRun(run: FailoverRun): Promise<"created" | "exists">;
}

export interface EventRecorder {
  event(object: ObjectRef, type: "Normal" | "Warning", reason: string, message: string): void;
}

export class ConflictError extends Error {}

/** Where a reconcile reports what it saw, for metrics; the runtime implements it over prom-client. */
export interface PolicyObserver {
  evaluated(namespace: string, policy: string, evaluation: Evaluation): void;
  /** a decision other than the previous one (Stay included) */
  decided(namespace: string, policy: string, decision: Decision): void;
  sampled(namespace: string, policy: string, region: string, signal: string, ok: boolean): void;
}
