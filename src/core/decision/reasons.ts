/**
 * Why a decision came out as it did: one CamelCase reason per rule of `decide`, written to status.lastDecision, Events
 * and conditions, so that alerts and people can key on them. Adding a rule means adding its reason here.
 */
export const Reason = {
  /** automation.mode is Paused: the controller observes and reports only, whatever the regions' health. */
  Paused: "Paused",
  /** A FailoverRun of this policy is still running; its outcome is awaited before deciding anything new. */
  RunInProgress: "RunInProgress",
  /** The active region (from the fencing record) is not one of spec.regions; a person must reconcile the two. */
  ActiveNotInPolicy: "ActiveNotInPolicy",
  /** The active region's health is Unknown (no data yet, or a signal cannot be judged); unknown is not unhealthy. */
  ActiveUnknown: "ActiveUnknown",
  /** The active region is Unhealthy but no other region is Healthy: moving would leave no healthy active region. */
  NoHealthyTarget: "NoHealthyTarget",
  /** The active region is Unhealthy and a Healthy target exists: fail over (Failover, or the move that is held back). */
  ActiveUnhealthy: "ActiveUnhealthy",
  /** The active region is the Healthy primary: nothing to do. */
  ActiveHealthy: "ActiveHealthy",
  /** The active region is a Healthy secondary and the primary is not (yet) Healthy: stay until it is. */
  PrimaryNotHealthy: "PrimaryNotHealthy",
  /** The primary is Healthy again while a secondary is active, and automation.failback is Automatic: fail back. */
  PrimaryRecovered: "PrimaryRecovered",
  /** The primary is Healthy again but automation.failback is Manual: a person decides when to return. */
  FailbackAwaitsHuman: "FailbackAwaitsHuman",
  /** A move is due but the last automatic transition was less than holdDownSeconds ago (invariant 5). */
  HoldDown: "HoldDown",
  /** A move is due but the source or target region flapped too much and is suppressed by flap damping (invariant 5). */
  FlapSuppressed: "FlapSuppressed",
  /** A move is due and automation.mode is Manual: it waits for a person to approve it (invariant 6). */
  ApprovalRequired: "ApprovalRequired",
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];
