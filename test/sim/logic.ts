/**
 * The contract between the simulated world and the controller logic under test. The world (clock, views, the
 * fencing record's compare-and-swap, runs, crashes, role state) knows nothing of how a controller decides; everything
 * it asks a controller goes through one ControllerLogic, so re-running the same properties against a new core is a
 * matter of passing another adapter (see controller-logic.ts for today's).
 *
 * `S` is what a controller keeps in its own cluster (its RegionPolicy status): it survives a crash, and peers may read
 * it (through their peer kubeconfig). Nothing else a controller holds survives a crash.
 */
import type { Health } from "../../src/core/health/signal-health.js";
import type { PenaltyConfig } from "../../src/core/dampening/flap-penalty.js";

export interface SimRegion {
  name: string;
  role: "primary" | "secondary";
}

/** The RegionPolicy every cluster holds (GitOps: the same object everywhere), in the few knobs the scenarios vary. */
export interface SimPolicy {
  regions: SimRegion[];
  /** Every region also has a route53HealthCheck signal: Route53's checkers are one more observer. */
  route53Signals: boolean;
  intervalSeconds: number;
  failureThreshold: number;
  successThreshold: number;
  holdDownSeconds: number;
  /** undefined: the CRD default, whatever the logic makes of it. */
  quorum?: number;
  failback: "Automatic" | "Manual";
  flapPenalty: PenaltyConfig;
}

/** One probe result: `http` is the controller's own probe of the region, `route53` the health check's status. */
export interface SimSample {
  signal: "http" | "route53";
  region: string;
  ok: boolean;
  /** Epoch ms. */
  at: number;
}

/** What the world needs to know of a fencing record value; the value itself is the logic's own format. */
export interface RecordFields {
  active: string;
  epoch: number;
  run?: string;
}

export type RunPhase = "Running" | "Succeeded" | "Failed";

export interface RunView {
  name: string;
  /** The cluster (region) the run object lives in. */
  cluster: string;
  from: string;
  to: string;
  kind: "Failover" | "Failback";
  phase: RunPhase;
  /** The epoch it won, once it has. */
  epoch?: number;
  createdAt: number;
}

export interface PeerRead<S> {
  region: string;
  /** The peer's stored state as of readAt; undefined before the first read or when never written. */
  stored: S | undefined;
  readAt: number;
  /** The peer's leader Lease was renewed lately: its process runs (or died less than a lease duration ago). */
  alive: boolean;
}

export interface ReconcileInput<S> {
  policy: SimPolicy;
  localRegion: string;
  now: number;
  /** This cluster's RegionPolicy status, as last written. */
  stored: S | undefined;
  /** Samples taken since the last reconcile. */
  samples: readonly SimSample[];
  /** The fencing record value as read through the controller's cache (seconds stale at most); undefined: none. */
  record: string | undefined;
  /** The record as it is now: what a fresh (uncached) read returns, for the decisions that must not rest on a cache. */
  freshRecord: string | undefined;
  /** This cluster's runs of the policy. */
  runs: readonly RunView[];
  /** Peers' statuses, as last read (only from peers this controller can reach). */
  peers: readonly PeerRead<S>[];
}

export interface ControllerReport {
  /** The health this controller reports for each region. */
  health: Readonly<Record<string, Health>>;
  /** A FlapSuppressed condition is true. */
  suppressed: boolean;
  /** Short decision, for the timeline: "Stay/ActiveHealthy", "Failover a→b", … */
  decision: string;
  /** The policy is in an error condition (Ready=False) with this reason, e.g. an unreachable quorum. */
  configError?: string;
}

export interface ReconcileOutput<S> {
  stored: S;
  /** Create an automatic run in this cluster. */
  startRun?: { kind: "Failover" | "Failback"; from: string; to: string };
  /** Role state to apply in this cluster now; undefined leaves it as it is. */
  role?: "active" | "fenced";
  /** Runs of this cluster that this controller gives a final status without executing them. */
  notExecutable?: string[];
  report: ControllerReport;
}

export interface StepInput<S> {
  policy: SimPolicy;
  run: RunView;
  /** The fencing record as read just now (uncached, as the levers read it). */
  record: string | undefined;
  /** The executing controller's stored status. */
  stored: S | undefined;
  now: number;
}

export type TrafficOutcome =
  /** Submit the batch that DELETEs exactly `record` and CREATEs `next`; Route53 applies it only if unchanged. */
  | { type: "swap"; next: string }
  /** The record already holds this run's win (resuming after a crash). */
  | { type: "alreadyWon" }
  | { type: "refuse"; reason: string };

export type PromotionOutcome = { type: "call"; mode: "switchover" | "failover" } | { type: "refuse"; reason: string };

/** A step of the plan after the traffic step, as the world asks a logic to guard it. */
export type GuardedStep = "promote" | "wait" | "approval" | "unfreeze";

export interface ControllerLogic<S> {
  readonly name: string;
  /** The record that exists before the scenario starts: `active` at the first epoch. */
  initialRecord(active: string): string;
  parseRecord(value: string): RecordFields | undefined;
  reconcile(input: ReconcileInput<S>): ReconcileOutput<S>;
  /** What a restarted process makes of its stored status (a real one re-reads it from the apiserver). */
  restart(stored: S | undefined, policy: SimPolicy, now: number): S | undefined;
  /** The traffic step (route53 lever with fencing). */
  traffic(input: StepInput<S>): TrafficOutcome;
  /** The promotion step (auroraGlobal, mode Auto). */
  promotion(input: StepInput<S>): PromotionOutcome;
  /**
   * Optional: asked before every step after the traffic step (on a fresh read of the record, before `promotion` for
   * the promotion step); a reason fails the run there. Without it every such step acts (today's plan engine).
   */
  stepGuard?(input: StepInput<S>, step: GuardedStep): string | undefined;
  /**
   * Optional: at a run's end (either phase), the record value the run's controller swaps in (same epoch, its
   * bookkeeping, e.g. "the move is over"), or undefined for none. Route53 applies it only if the record is unchanged
   * since `input.record` was read. Without it a run's end writes nothing.
   */
  runFinished?(input: StepInput<S>): string | undefined;
}

/** The type-erased form the world and the tests pass around. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- S is opaque to the world; each adapter keeps it typed
export type AnyLogic = ControllerLogic<any>;
