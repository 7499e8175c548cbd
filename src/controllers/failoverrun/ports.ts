/**
 * What the FailoverRun controller needs from the outside world: runs, plans and policies to read (informer caches),
 * run status and history to write, the levers that act, and the hooks the runtime and the crash tests provide.
 */
import type { Logger } from "pino";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { Tenancy } from "../../core/tenancy.js";
import type { EventRecorder } from "../ports.js";
import type { Levers } from "./levers/index.js";

export interface RunStore {
  run(namespace: string, name: string): FailoverRun | undefined;
  plan(namespace: string, name: string): FailoverPlan | undefined;
  policy(namespace: string, name: string): RegionPolicy | undefined;
  /** merge patch of status conditioned on the run's resourceVersion; returns the run as stored */
  writeRunStatus(run: FailoverRun, status: FailoverRunStatus): Promise<FailoverRun>;
  /** runs of one plan, in this namespace */
  runsOfPlan(namespace: string, plan: string): FailoverRun[];
  /** deletes a run; a run already gone is fine */
  deleteRun(namespace: string, name: string): Promise<void>;
}

export interface RunDeps {
  store: RunStore;
  levers: Levers;
  events: EventRecorder;
  log: Logger;
  localRegion: string;
  /** whose identity plan steps take when neither the plan nor the policy names a ServiceAccount */
  tenancy: Tenancy;
  now: () => number;
  /**
   * Marks the move a finished run made as no longer in progress in its policy's fencing record (invariant 5: every
   * controller then sees it); absent without fencing. Best effort: the record's own deadline bounds a failure.
   */
  moveFinished?: (policy: RegionPolicy, run: FailoverRun) => Promise<void>;
  /** told once of each run this controller brought to its end (as written), for the RTO/RPO and step histograms */
  finished?: (run: FailoverRun) => void;
  /** whether a region's cluster answers now (for bestEffort steps there); absent: every region is reachable */
  reachable?: (region: string, namespace: string) => Promise<boolean>;
  /**
   * Crash-test hook (see src/runtime/failpoints.ts): called at each point where a crash must be survivable —
   * `after-started:<step>` (intent stored, nothing called), `after-act:<step>` (the lever acted, its result not yet
   * stored) and `after-result:<step>` (between steps).
   */
  failpoint?: (name: string) => void;
}
