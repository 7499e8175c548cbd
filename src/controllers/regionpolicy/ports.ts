/**
 * What the RegionPolicy controller needs from the outside world: policies, plans and runs to read (informer caches),
 * its status and automatic runs to write, the signal probes, the fencing record and this cluster's role state, and
 * where metrics go.
 */
import type { Tenancy } from "../../core/tenancy.js";
import type { Logger } from "pino";
import type { Decision } from "../../core/decision/decide.js";
import type { Evaluation } from "../../core/evaluate.js";
import type { ObserverView } from "../../core/health/region-health.js";
import type { FenceReadAges } from "../../core/plan/fence-read-age.js";
import type { FencingRecord } from "../../core/plan/fencing.js";
import type { FailoverPlan, FailoverPlanSpecRoleStateActive } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";
import type { SampleBuffer } from "../../signals/sample-buffer.js";
import type { EventRecorder } from "../ports.js";

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

/** The policy's fencing record and this cluster's role state (self-fencing.ts uses them; Route53 holds the record). */
export interface FencePorts {
  /**
   * The policy's fencing record; undefined when it does not exist. Throws when it cannot be read. Served from a shared
   * listing of its zone at most `maxAgeMs` old (default a few seconds); `fresh` asks Route53 for this record itself.
   */
  read(policy: RegionPolicy, options?: { fresh?: boolean; maxAgeMs?: number }): Promise<FencingRecord | undefined>;
  /**
   * Brings this cluster's flags and replica counts in `namespace` to `state`, acting as its ServiceAccount
   * `serviceAccountName` (undefined: the controller itself, single-tenant installs only); returns what it changed.
   * Refuses (throws) an object of another namespace.
   */
  applyRoleState(
    namespace: string,
    state: FailoverPlanSpecRoleStateActive,
    serviceAccountName?: string,
  ): Promise<string[]>;
}

/** Where a reconcile reports what it saw, for metrics; the runtime implements it over prom-client. */
export interface PolicyObserver {
  evaluated(namespace: string, policy: string, evaluation: Evaluation): void;
  /** a decision other than the previous one (Stay included) */
  decided(namespace: string, policy: string, decision: Decision): void;
  sampled(namespace: string, policy: string, region: string, signal: string, ok: boolean): void;
  /** a read of the policy's fencing record failed */
  fenceReadFailed?(namespace: string, policy: string): void;
}

/** Everything one reconcile uses; the controller adds its own sample buffer and signal scheduler. */
export interface RegionPolicyDeps {
  store: SwitchyardStore;
  events: EventRecorder;
  samples: SampleBuffer;
  /** starts/stops the policy's signal probes */
  signals: {
    sync(policyKey: string, namespace: string, signals: RegionPolicy["spec"]["signals"]): void;
    remove(policyKey: string): void;
  };
  observer: PolicyObserver;
  /** reads the fencing record and keeps this cluster's role state; absent: no fencing (tests of the decision alone) */
  fence?: FencePorts;
  /** how old a fencing record may be read, settled and not (fence-read-age.ts); absent: the defaults */
  fenceReadAges?: FenceReadAges;
  /** the views the other regions' controllers published (from caches: never a network call); absent: none */
  peers?: {
    viewsOf(policy: RegionPolicy): ObserverView[];
    /** the fencing epochs the peers last published (from the same caches) */
    epochsOf?(policy: RegionPolicy): number[];
    /**
     * Why a peer kubeconfig Secret of the policy was not used (a refused exec plugin or file, a malformed Secret), as
     * the last load found it: reported as Ready=False before any run. From memory, never a network call.
     */
    credentialsProblem?(policy: RegionPolicy): { reason: string; message: string } | undefined;
  };
  log: Logger;
  localRegion: string;
  /** whose identity role state takes when neither the policy nor its plan names a ServiceAccount; absent: none */
  tenancy?: Tenancy;
  now: () => number;
}
